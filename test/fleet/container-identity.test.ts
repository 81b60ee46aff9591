/**
 * Container identity for real: processes in docker- and kubernetes-shaped cgroups (the reality harness makes
 * them, under a parent unique to the run) carry runtime, container id and pod uid in the namespace check's
 * evidence, and a `whydied run` death inside such a cgroup carries them (with NSpid) on its record.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, runCli, track } from '../helpers/processes';
import { containerCgroupAvailable, startCgroupContainer } from '../reality/harness/container-cgroup';
import { teardownAll } from '../reality/harness/teardown';
import { validateReport } from '../helpers/schema';

const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');
const why = containerCgroupAvailable();
if (why) console.log(`skipping container identity tests: ${why}`);
const maybe = why ? describe.skip : describe;
const STATE = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-container-id-'));

afterAll(async () => {
  cleanupProcesses();
  await teardownAll();
  fs.rmSync(STATE, { recursive: true, force: true });
});

interface Finding {
  id: string;
  evidence: {
    container?: { runtime: string; id: string | null; pod: { uid: string } | null } | null;
    innerPid?: number;
  };
}

function namespaceEvidence(pid: number): Finding['evidence'] {
  const r = runCli([String(pid), '--json', '--verbose'], { env: { WHYDIED_STATE_DIR: STATE } });
  const env = JSON.parse(r.stdout) as { reports: Array<{ checks: Finding[] }> };
  validateReport(env);
  return (env.reports[0].checks.find((c) => c.id === 'namespace') as Finding).evidence;
}

maybe('container identity', () => {
  it('docker-style cgroup: runtime and container id in the namespace evidence', async () => {
    const c = await startCgroupContainer('sleep 1000', { style: 'docker' });
    const ev = namespaceEvidence(c.pid);
    expect(ev.container).toEqual({ runtime: 'docker', id: c.id, pod: null, name: null });
    expect(ev.innerPid).toBe(c.pid);
    await c.stop({ graceMs: 0 });
  });

  it('kubepods-style cgroup: the pod uid and the container id', async () => {
    const c = await startCgroupContainer('sleep 1000', { style: 'kubepods' });
    const uid = /\/pod([0-9a-f-]{36})\//.exec(c.cgroupPath)?.[1];
    expect(uid).toBeDefined();
    const ev = namespaceEvidence(c.pid);
    expect(ev.container).toMatchObject({ runtime: 'kubernetes', id: c.id, pod: { uid, qos: 'besteffort' } });
    await c.stop({ graceMs: 0 });
  });

  it('a `whydied run` death inside a container cgroup is recorded with the container and NSpid', async () => {
    const c = await startCgroupContainer('sleep 1000', { style: 'docker' });
    const child = spawn(
      'sh',
      [
        '-c',
        'echo $$ > "$1" && exec "$2" "$3" run -- sh -c "exit 5"',
        'x',
        path.join(c.path, 'cgroup.procs'),
        process.execPath,
        CLI,
      ],
      {
        stdio: 'ignore',
        env: { ...process.env, WHYDIED_STATE_DIR: STATE },
      },
    );
    track(child.pid as number);
    expect(await new Promise((r) => child.on('close', r))).toBe(5);
    const recs = fs
      .readFileSync(path.join(STATE, 'records.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { cause: { exitCode?: number }; container: unknown; nsPid: number[]; pid: number });
    const rec = recs.find((r) => r.cause.exitCode === 5);
    expect(rec?.container).toEqual({ runtime: 'docker', id: c.id, pod: null, name: null });
    expect(rec?.nsPid).toEqual([rec?.pid]);
    await c.stop({ graceMs: 0 });
  });
});
