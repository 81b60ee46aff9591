/**
 * watch() against real processes and the real tracefs (root), plus the ptrace and poll backends.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { watch } from '../../src/observe/watch';
import { cleanupProcesses, isRoot, readPidFile, startDetached, track, waitFor } from '../helpers/processes';

const root = isRoot();
const maybe = root ? describe : describe.skip;
if (!root) console.log('skipping watch tests: tracefs and the scenarios need root');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-watch-'));
});
afterEach(() => cleanupProcesses());
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Run a sender shell after `delayMs` (so the watch is in place); returns its pid. */
function sendLater(script: string, delayMs = 300): number {
  const child = spawn('bash', ['-c', `sleep ${delayMs / 1000}; ${script}`], { stdio: 'ignore' });
  if (!child.pid) throw new Error('no sender');
  return track(child.pid);
}

const instances = (): string[] => {
  try {
    return fs.readdirSync('/sys/kernel/tracing/instances').filter((n) => n.startsWith(`whydied-${process.pid}-`));
  } catch {
    return [];
  }
};

/** This process's watch instance has every event enabled (oom/mark_victim is the last). */
const tracing = (): boolean =>
  instances().some((n) => {
    try {
      return fs
        .readFileSync(path.join('/sys/kernel/tracing/instances', n, 'set_event'), 'utf8')
        .includes('mark_victim');
    } catch {
      return false;
    }
  });

maybe('tracefs backend', () => {
  it('SIGKILL by a known bash: sender pid and comm', async () => {
    const victim = startDetached('sleep', ['1000']);
    const p = watch([victim], { timeoutMs: 15000, backend: 'tracefs' });
    const sender = sendLater(`kill -9 ${victim}; sleep 0.3; :`);
    const [r] = await p;
    expect(r.backend).toBe('tracefs');
    expect(r.death?.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGKILL',
      sender: { pid: sender, comm: 'bash', uid: 0 },
      source: 'watch',
    });
    expect(r.death?.cause?.details).toMatchObject({ groupDirected: false, kernelSent: false, backend: 'tracefs' });
    expect(r.identity).toMatchObject({ pid: victim, comm: 'sleep', argvHead: ['sleep', '1000'] });
    expect(instances()).toEqual([]);
  });

  it('a sender that execs right after kill is named as it was when it sent (bash, not sleep)', async () => {
    const victim = startDetached('sleep', ['1000']);
    const p = watch([victim], { timeoutMs: 15000, backend: 'tracefs' });
    expect(await waitFor(tracing, 10000)).toBe(true);
    // The last command of `bash -c` is exec'd in place: by the time the line is read the pid is `sleep`.
    const child = spawn('bash', ['-c', `kill -9 ${victim}; sleep 0.3`], { stdio: 'ignore' });
    const sender = track(child.pid as number);
    const [r] = await p;
    expect(r.death?.cause).toMatchObject({ kind: 'signal', signal: 'SIGKILL', sender: { pid: sender, comm: 'bash' } });
  });

  it('kill -TERM -- -PGID on a bash -c group: group-directed, sender named', async () => {
    const pidFile = path.join(tmp, 'grp.pid');
    const leader = startDetached('bash', ['-c', `sleep 1000 & echo $! > ${pidFile}; wait`]);
    const victim = await readPidFile(pidFile);
    const p = watch([victim, leader], { timeoutMs: 15000 });
    const sender = sendLater(`kill -TERM -- -${leader}`);
    const [v, l] = await p;
    expect(v.death?.cause).toMatchObject({ kind: 'signal', signal: 'SIGTERM', sender: { pid: sender, comm: 'bash' } });
    expect(v.death?.cause?.details).toMatchObject({ groupDirected: true, killTarget: -leader });
    expect(l.death?.cause).toMatchObject({ kind: 'signal', signal: 'SIGTERM', details: { groupDirected: true } });
  });

  it('exit 7', async () => {
    const victim = startDetached('bash', ['-c', 'sleep 0.5; exit 7']);
    const [r] = await watch([victim], { timeoutMs: 15000 });
    expect(r.death?.cause).toMatchObject({ kind: 'exit', exitCode: 7, source: 'watch' });
  });

  it('a handled SIGTERM then exit: exit code with the signal as context', async () => {
    const victim = startDetached('bash', ['-c', "trap 'exit 42' TERM; while :; do sleep 0.05; done"]);
    const p = watch([victim], { timeoutMs: 15000 });
    sendLater(`kill -TERM ${victim}`);
    const [r] = await p;
    expect(r.death?.cause).toMatchObject({ kind: 'exit', exitCode: 42, details: { afterSignal: 'SIGTERM' } });
  });
});

describe('any backend', () => {
  it('a pid already gone: says so, cause null', async () => {
    const gone = spawnSync('true').pid as number;
    const [r] = await watch([gone], {});
    expect(r).toMatchObject({ pid: gone, identity: null, death: null });
    expect(r.note).toMatch(/not running/);
  });

  it('poll backend: time of death only', async () => {
    const victim = startDetached('sleep', ['0.3']);
    const [r] = await watch([victim], { backend: 'poll', timeoutMs: 10000 });
    expect(r.backend).toBe('poll');
    expect(r.death).toBeNull();
    expect(r.endedAt).not.toBeNull();
  });
});

const hasStrace = spawnSync('strace', ['-V']).status === 0;
(hasStrace ? describe : describe.skip)('ptrace backend (strace)', () => {
  it('SIGTERM with sender pid; exit 7', async () => {
    const victim = startDetached('sleep', ['1000']);
    const p = watch([victim], { backend: 'ptrace', timeoutMs: 15000 });
    await new Promise((r) => setTimeout(r, 500)); // strace attach
    const sender = sendLater(`kill -TERM ${victim}; sleep 0.3; :`, 0);
    const [r] = await p;
    expect(r.death?.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGTERM',
      sender: { pid: sender, comm: 'bash' },
      details: { backend: 'ptrace' },
    });

    const v2 = startDetached('bash', ['-c', 'sleep 1; exit 7']);
    const [r2] = await watch([v2], { backend: 'ptrace', timeoutMs: 15000 });
    expect(r2.death?.cause).toMatchObject({ kind: 'exit', exitCode: 7 });
  });
});
