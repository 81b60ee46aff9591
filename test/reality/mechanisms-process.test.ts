/**
 * The kernel's process mechanisms for real (catalogue: src/engine/mechanisms/kernel.ts): a group orphaned
 * with a stopped member, a PID namespace's init exiting, a parent-death signal, SIGPIPE after the only
 * reader (the parent) exits — through a pipe and through Node's default socketpair stdio — and a cgroup
 * killed with cgroup.kill. Each prediction is held to the real outcome, `whydied watch` must name the
 * mechanism, and the first remedy is pasted on the host and the event repeated.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isAlive, procStat, waitFor } from '../helpers/processes';
import { pidnsAvailable, startPidNamespace } from './harness/pidns';
import { cgroupKillRoot, createKillableCgroup, runRemedy, soleWithArgv, startTree } from './harness/kernel-events';
import { realitySuite, notRoot } from './harness/suite';
import {
  diagnose,
  expectReality,
  expectRule,
  mechanismOf,
  outcomeOf,
  riskOf,
  startWatch,
  uniqueSleep,
} from './predict';

const { maybe, unless } = realitySuite('mechanisms-process', notRoot('watch needs tracefs'));

/**
 * Wait until `pid` has exec'd `comm`, then stop it. (The script then turns job control off before its
 * `exec`: bash's end_job_control would otherwise SIGTERM+SIGCONT its stopped jobs, jobs.c.)
 */
const STOP_WHEN = (v: string, comm: string): string =>
  `while [ "$(cat /proc/${v}/comm)" != ${comm} ]; do :; done; kill -STOP ${v}`;

maybe('kernel: process mechanisms', () => {
  test('orphaned process group: its parent was the group’s only tie to the session and it is stopped; SIGHUP+SIGCONT at the parent’s exit', async () => {
    const n = uniqueSleep();
    const t = startTree(
      `set -m; sleep ${n} & c=$!; echo $c > "$D/target"; ${STOP_WHEN('$c', 'sleep')}; echo $$ > "$D/parent"; set +m; exec sleep 3600`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    await waitFor(() => procStat(pid)?.state === 'T' && procStat(parent)?.comm === 'sleep', 5000);
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.orphans-stopped-group');
    expect(r.verdict.status).toBe('at-risk');
    const w = await startWatch(pid);
    process.kill(parent, 'SIGKILL');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    expect(mechanismOf(await w.result)).toBe('orphaned-group');
    runRemedy(r);
    const fixed = await soleWithArgv(['sleep', n], [pid]);
    process.kill(fixed, 'SIGSTOP');
    const after = diagnose(fixed);
    expect(riskOf(after, 'parent-exit').outcome).toBe('survives');
    // The shell that pasted it is gone, and the stopped relaunch is still there.
    expect(await outcomeOf(fixed, { outcome: 'survives' })).toBe(false);
    process.kill(fixed, 'SIGKILL');
  });

  const nsSkip = pidnsAvailable();
  unless(nsSkip)(
    'PID namespace: its parent is the namespace init; when it exits the kernel SIGKILLs the namespace',
    async () => {
      const n = uniqueSleep();
      const box = await startPidNamespace(`sleep ${n}`, { comm: 'sleep' });
      const r = diagnose(box.pid);
      const pe = expectRule(r, 'parent-exit', 'parent.namespace-init');
      expect(pe.reason).toMatch(/pid 1 of its PID namespace/);
      const w = await startWatch(box.pid);
      process.kill(box.nsInitPid, 'SIGKILL');
      const died = await outcomeOf(box.pid, pe);
      expect(died).toBe(true);
      expectReality(pe, died);
      expect(mechanismOf(await w.result)).toBe('namespace-exit');
      await box.stop();
      runRemedy(r);
      const fixed = await soleWithArgv(['sleep', n], [box.pid]);
      const after = diagnose(fixed);
      expectRule(after, 'container-stop', 'container.host');
      expect(riskOf(after, 'parent-exit').outcome).toBe('survives');
      expect(isAlive(fixed)).toBe(true);
    },
  );

  unless(nsSkip)(
    'PID namespace: a grandchild of the init survives its own parent’s exit (reparented to the init), then dies with the namespace',
    async () => {
      const n = uniqueSleep();
      // init (sh, pid 1) -> a subshell that stays (sleep 3600 after) -> sh -c -> sleep N: killing `sh -c`
      // reparents sleep N to the init, which does not exit then.
      const box = await startPidNamespace(`{ sh -c 'sleep ${n} & wait'; sleep 3600; }`, { comm: 'sh' });
      const pid = await soleWithArgv(['sleep', n]);
      const middle = procStat(pid)?.ppid ?? 0;
      const r = diagnose(pid);
      const pe = riskOf(r, 'parent-exit');
      expect(pe.code).not.toBe('parent.namespace-init');
      const cs = expectRule(r, 'container-stop', 'container.pid-namespace');
      process.kill(middle, 'SIGKILL');
      const diedAtParent = await outcomeOf(pid, pe);
      expectReality(pe, diedAtParent);
      expect(diedAtParent).toBe(false);
      // Now its parent is the namespace init: the model sees the new tie.
      expectRule(diagnose(pid), 'parent-exit', 'parent.namespace-init');
      const w = await startWatch(pid);
      await box.stop();
      const died = await outcomeOf(pid, cs);
      expectReality(cs, died);
      expect(mechanismOf(await w.result)).toBe('namespace-exit');
    },
  );

  test('parent-death signal (setpriv --pdeathsig): invisible in /proc, the row says so; watch names it; relaunched without it, it stays', async () => {
    const n = uniqueSleep();
    const t = startTree(
      `setpriv --pdeathsig TERM sleep ${n} & echo $! > "$D/target"; echo $$ > "$D/parent"; exec sleep 3600`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    await waitFor(() => procStat(pid)?.comm === 'sleep' && procStat(parent)?.comm === 'sleep', 5000);
    const r = diagnose(pid);
    const pe = riskOf(r, 'parent-exit');
    // /proc has no field for pdeath_signal (prctl PR_GET_PDEATHSIG answers only the caller): the row may not
    // be certain, and must name what it cannot see.
    expect(pe.confidence).not.toBe('certain');
    expect(pe.reason).toMatch(/parent-death signal would not be visible in \/proc/);
    const w = await startWatch(pid);
    process.kill(parent, 'SIGKILL');
    expect(await outcomeOf(pid, { outcome: 'dies' })).toBe(true);
    const c = await w.result;
    expect(mechanismOf(c)).toBe('parent-death-signal');
    expect(c?.signal).toBe('SIGTERM');
    // The remedy needs a threat: this row alone offers none, so the generic relaunch is the one pasted.
    const fixedArgv = ['sleep', n];
    runRemedy({ ...r, remedy: [`setsid -f ${fixedArgv.join(' ')} </dev/null >/dev/null 2>&1`] });
    const fixed = await soleWithArgv(fixedArgv, [pid]);
    expect(await outcomeOf(fixed, { outcome: 'survives' })).toBe(false);
  });

  test('SIGPIPE: its stdout pipe is read only by its parent; the parent exits and its next write kills it', async () => {
    const n = uniqueSleep();
    const loop = `while :; do echo x; sleep 0.2; done; : ${n}`;
    const t = startTree(
      `python3 -c 'import subprocess,sys,time
p = subprocess.Popen(["sh", "-c", sys.argv[1]], stdout=subprocess.PIPE)
open(sys.argv[2], "w").write(str(p.pid))
time.sleep(3600)' '${loop}' "$D/target" & echo $! > "$D/parent"; wait`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.stdio-peer');
    expect(pe.reason).toMatch(/fd 1 is a pipe whose other end only its parent/);
    expect(r.checks.find((c) => c.id === 'stdio')?.code).toBe('parent-end');
    const w = await startWatch(pid);
    process.kill(parent, 'SIGKILL');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    expect(mechanismOf(await w.result)).toBe('broken-pipe');
    runRemedy(r);
    const fixed = await soleWithArgv(['sh', '-c', loop], [pid]);
    expect(riskOf(diagnose(fixed), 'parent-exit').outcome).toBe('survives');
    expect(await outcomeOf(fixed, { outcome: 'survives' })).toBe(false);
    process.kill(fixed, 'SIGKILL');
  });

  test('socketpair stdio (Node’s default spawn): the parent dies, the child dies at its next write (SIGPIPE from the socket)', async () => {
    const n = uniqueSleep();
    const loop = `while :; do echo x; sleep 0.2; done; : ${n}`;
    const t = startTree(
      `${JSON.stringify(process.execPath)} -e 'const c = require("child_process").spawn("sh", ["-c", process.argv[1]]); require("fs").writeFileSync(process.argv[2], String(c.pid)); setInterval(() => {}, 1e6)' '${loop}' "$D/target" & echo $! > "$D/parent"; wait`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.stdio-peer');
    expect(pe.reason).toMatch(/socketpair/);
    const w = await startWatch(pid);
    process.kill(parent, 'SIGKILL');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    expect(mechanismOf(await w.result)).toBe('broken-pipe');
    runRemedy(r);
    const fixed = await soleWithArgv(['sh', '-c', loop], [pid]);
    expect(await outcomeOf(fixed, { outcome: 'survives' })).toBe(false);
    process.kill(fixed, 'SIGKILL');
  });

  test('socketpair stdio with SIGPIPE ignored: EPIPE, the program decides (unknown, saying so); this one exits on it', async () => {
    const n = uniqueSleep();
    const loop = `trap "" PIPE; while :; do echo x || exit 3; sleep 0.2; done; : ${n}`;
    const t = startTree(
      `${JSON.stringify(process.execPath)} -e 'const c = require("child_process").spawn("sh", ["-c", process.argv[1]]); require("fs").writeFileSync(process.argv[2], String(c.pid)); setInterval(() => {}, 1e6)' '${loop}' "$D/target" & echo $! > "$D/parent"; wait`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    await waitFor(() => diagnose(pid).checks.find((c) => c.id === 'signals')?.code === 'sighup-default', 3000);
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.stdio-peer-handled');
    const w = await startWatch(pid);
    process.kill(parent, 'SIGKILL');
    const died = await outcomeOf(pid, { outcome: 'dies' });
    expectReality(pe, died);
    expect(died).toBe(true);
    const c = await w.result;
    expect(c).toMatchObject({ kind: 'exit', exitCode: 3 });
  });

  const cg = cgroupKillRoot();
  unless(typeof cg === 'string' ? null : cg.reason)(
    'cgroup.kill: every member SIGKILLed by the kernel on the writer’s behalf; relaunched outside that cgroup it stays',
    async () => {
      const root = cg as string;
      const box = createKillableCgroup(root);
      if ('reason' in box) {
        console.log(`reality/mechanisms-process: cgroup.kill skipped: ${box.reason}`);
        return;
      }
      const n = uniqueSleep();
      // A runner shell with its job in its group, both moved into the cgroup.
      const t = startTree(`echo $$ > "$D/runner"; sleep ${n} & echo $! > "$D/target"; wait`);
      const runner = await t.pid('runner');
      const pid = await t.pid('target');
      box.add(runner);
      box.add(pid);
      const r = diagnose(pid);
      const w = await startWatch(pid);
      box.kill();
      expect(await outcomeOf(pid, { outcome: 'dies' })).toBe(true);
      const c = await w.result;
      expect(mechanismOf(c)).toBe('cgroup-kill');
      expect(c?.signal).toBe('SIGKILL');
      runRemedy(r);
      const fixed = await soleWithArgv(['sleep', n], [pid]);
      box.kill();
      expect(await outcomeOf(fixed, { outcome: 'survives' })).toBe(false);
      process.kill(fixed, 'SIGKILL');
      expect(fs.existsSync(path.join(box.dir, 'cgroup.kill'))).toBe(true);
    },
  );
});
