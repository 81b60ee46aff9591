/**
 * Containers and memory for real: a process in a PID namespace of its own (unshare) or in a container
 * runtime's cgroup, then the container stopped; a process in a memory cgroup, then that cgroup filled
 * until the kernel's OOM killer picks a victim. Each first remedy is run and the event repeated.
 */
import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Report } from '../../src/engine/types';
import { isAlive, waitFor, waitGone } from '../helpers/processes';
import { pidnsAvailable, startPidNamespace } from './harness/pidns';
import { createMemcg, memcgAvailable, startHeldHog, startHog } from './harness/memcg';
import { onTeardown } from './harness/teardown';
import { realitySuite, notRoot } from './harness/suite';
import {
  diagnose,
  expectReality,
  expectRule,
  mechanismOf,
  outcomeOf,
  relaunched,
  riskOf,
  startWatch,
  uniqueSleep,
} from './predict';

const { part } = realitySuite('containers-memory');

/** Run a printed remedy as root would paste it. */
function runRemedy(report: Report): void {
  const cmd = report.remedy[0];
  if (!cmd) throw new Error(`no remedy offered: ${report.verdict.summary}`);
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) throw new Error(`remedy failed (${r.status}): ${cmd}\n${r.stderr}`);
}

const ns = part('containers', pidnsAvailable());

ns('a container stopping', () => {
  test('a process in its own PID namespace dies when the namespace init exits; relaunched on the host it stays', async () => {
    const n = uniqueSleep();
    const box = await startPidNamespace(`sleep ${n}`, { comm: 'sleep' });
    const r = diagnose(box.pid);
    const c = expectRule(r, 'container-stop', 'container.pid-namespace');
    expect(c.reason).toMatch(/pid 2 inside/);
    expect(r.verdict.status).toBe('at-risk');
    const w = await startWatch(box.pid);
    await box.stop();
    const died = await outcomeOf(box.pid, c);
    expect(died).toBe(true);
    expectReality(c, died);
    expect(mechanismOf(await w.result)).toBe('namespace-exit');
    runRemedy(r);
    const pid = await relaunched(['sleep', n], [box.pid]);
    const after = diagnose(pid);
    expectRule(after, 'container-stop', 'container.host');
    // The same event again: another namespace stops; the relaunched process was never in one.
    const other = await startPidNamespace(`sleep ${uniqueSleep()}`, { comm: 'sleep' });
    await other.stop();
    expect(await outcomeOf(pid, riskOf(after, 'container-stop'))).toBe(false);
  });

  test('the namespace init itself (a container whose entrypoint is the app)', async () => {
    const box = await startPidNamespace(`sleep ${uniqueSleep()}`, { comm: 'sleep', asInit: true });
    const r = diagnose(box.pid);
    const c = expectRule(r, 'container-stop', 'container.pid-namespace');
    expect(c.reason).toMatch(/init \(pid 1\) of its own PID namespace/);
    await box.stop();
    expectReality(c, await outcomeOf(box.pid, c));
  });

  test('a process in a container runtime cgroup dies when the container is stopped (its cgroup killed)', async () => {
    const root = '/sys/fs/cgroup/pids';
    if (!fs.existsSync(path.join(root, 'cgroup.procs'))) {
      console.log('reality/containers: no v1 pids hierarchy; container-cgroup case skipped');
      return;
    }
    // The path shape of a docker container; the top directory is ours alone.
    const top = path.join(root, `whydied-reality-${randomBytes(4).toString('hex')}`);
    const dir = path.join(top, 'docker', randomBytes(32).toString('hex'));
    fs.mkdirSync(dir, { recursive: true });
    const members = (): number[] =>
      fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    onTeardown(`cgroup ${top}`, async () => {
      for (const p of members()) spawnSync('kill', ['-9', String(p)]);
      await waitFor(() => members().length === 0);
      for (const d of [dir, path.dirname(dir), top]) fs.rmdirSync(d);
    });
    const n = uniqueSleep();
    spawnSync('bash', ['-c', `echo $$ > ${dir}/cgroup.procs && exec setsid -f sleep ${n} </dev/null >/dev/null 2>&1`]);
    const pid = await relaunched(['sleep', n], []);
    const r = diagnose(pid);
    const c = expectRule(r, 'container-stop', 'container.cgroup');
    // Stopping a container: SIGTERM to everything in its cgroup, then SIGKILL (what runtimes do).
    for (const p of members()) process.kill(p, 'SIGTERM');
    await waitGone(members(), 2000);
    for (const p of members()) process.kill(p, 'SIGKILL');
    expectReality(c, await outcomeOf(pid, c));
    runRemedy(r);
    const again = await relaunched(['sleep', n], [pid]);
    const after = diagnose(again);
    expectRule(after, 'container-stop', 'container.host');
    for (const p of members()) process.kill(p, 'SIGKILL');
    expect(isAlive(again)).toBe(true);
  });
});

const mem = part('memory', notRoot() ?? memcgAvailable());
const MiB = 1 << 20;

mem('its memory cgroup filling up', () => {
  test('holding most of the limit: the OOM killer picks it; raising the limit as printed keeps it alive', async () => {
    const cg = createMemcg(64 * MiB);
    const big = await startHeldHog(40, { memcg: cg });
    const r = diagnose(big.pid);
    const m = expectRule(r, 'memory-pressure', 'memory.majority');
    expect(r.verdict.status).toBe('at-risk');
    const w = await startWatch(big.pid);
    startHog(40, { memcg: cg });
    const died = await outcomeOf(big.pid, m);
    expect(died).toBe(true);
    expectReality(m, died);
    expect(mechanismOf(await w.result)).toBe('oom-kill');
    await cg.remove();

    // Again, with the printed remedy applied before the cgroup fills.
    const cg2 = createMemcg(64 * MiB);
    const big2 = await startHeldHog(40, { memcg: cg2 });
    const r2 = diagnose(big2.pid);
    // A relaunch cannot escape memory pressure: the limit command follows the relaunch commands.
    const raise = r2.remedy.find((c) => c.startsWith('echo '));
    expect(raise).toMatch(
      /^(echo \d+ > \S+memory\.memsw\.limit_in_bytes && )?echo \d+ > \S+memory\.(limit_in_bytes|max)$/,
    );
    runRemedy({ ...r2, remedy: [raise ?? ''] });
    expectRule(diagnose(big2.pid), 'memory-pressure', 'memory.minority');
    const filler = await startHeldHog(40, { memcg: cg2 });
    expect(isAlive(big2.pid)).toBe(true);
    expect(isAlive(filler.pid)).toBe(true);
    await cg2.remove();
  });

  test('holding a small share: whatever fills the cgroup outgrows it and is picked instead', async () => {
    const cg = createMemcg(64 * MiB);
    const small = await startHeldHog(8, { memcg: cg });
    const r = diagnose(small.pid);
    const m = expectRule(r, 'memory-pressure', 'memory.minority');
    const filler = startHog(200, { memcg: cg });
    expect(await filler.ready).toBe(false); // the filler itself was killed
    await waitFor(() => cg.oomKills() > 0);
    const died = await outcomeOf(small.pid, m);
    expect(died).toBe(false);
    expectReality(m, died);
    await cg.remove();
  });

  test('oom_score_adj -1000: never picked, even holding most of the limit', async () => {
    const cg = createMemcg(64 * MiB);
    const held = await startHeldHog(40, { memcg: cg });
    try {
      fs.writeFileSync(`/proc/${held.pid}/oom_score_adj`, '-1000');
    } catch (e) {
      // Lowering oom_score_adj needs CAP_SYS_RESOURCE, which some sandboxes withhold even from root.
      console.log(`reality/memory: oom_score_adj -1000 case skipped: ${(e as Error).message}`);
      return;
    }
    const r = diagnose(held.pid);
    const m = expectRule(r, 'memory-pressure', 'memory.oom-protected');
    const filler = startHog(40, { memcg: cg });
    expect(await filler.ready).toBe(false);
    expectReality(m, await outcomeOf(held.pid, m));
    await cg.remove();
  });
});
