/**
 * No tracing instance outlives a watcher: SIGINT, SIGTERM, an uncaught exception; SIGHUP does not end it;
 * after SIGKILL the next start removes the stale instance. Then the whole `watch` action end to end: the
 * record it saves is found by a later plain records check.
 */
import { reportsOf } from '../helpers/schema';
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { removeStaleInstances } from '../../src/source/trace/tracefs';
import { records } from '../../checks/records';
import { createFacts } from '../../src/source/facts';
import { createLiveSource } from '../../src/source/live-source';
import { cleanupProcesses, isRoot, startDetached, track, waitFor } from '../helpers/processes';
import { createCheckContext } from '../../src/engine/context';

const root = isRoot();
const maybe = root ? describe : describe.skip;
if (!root) console.log('skipping watcher cleanup tests: tracefs needs root');

const CHILD = path.join(__dirname, 'fixtures', 'watch-child.js');
const INSTANCES = '/sys/kernel/tracing/instances';
const ownedBy = (pid: number): string[] => {
  try {
    return fs.readdirSync(INSTANCES).filter((n) => n.startsWith(`whydied-${pid}-`));
  } catch {
    return [];
  }
};

/** Tracing is really on once the last event (oom/mark_victim) is enabled in the watcher's instance. */
const ready = (pid: number): boolean =>
  ownedBy(pid).some((n) => {
    try {
      return fs.readFileSync(path.join(INSTANCES, n, 'set_event'), 'utf8').includes('mark_victim');
    } catch {
      return false;
    }
  });

let stateDir: string;
beforeAll(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-state-'));
});
afterEach(() => cleanupProcesses());
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

function startWatcher(
  mode: string,
  pids: number[],
): { child: ChildProcess; exited: Promise<{ code: number | null; signal: string | null; stdout: string }> } {
  const child = spawn(process.execPath, [CHILD, mode, ...pids.map(String)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WHYDIED_STATE_DIR: stateDir },
  });
  track(child.pid as number);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.resume();
  const exited = new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout })),
  );
  return { child, exited };
}

maybe('watcher exit paths', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: instance removed, exit %d', async (sig, code) => {
    const victim = startDetached('sleep', ['1000']);
    const { child, exited } = startWatcher('watch', [victim]);
    expect(await waitFor(() => ready(child.pid as number), 10000)).toBe(true);
    child.kill(sig);
    const res = await exited;
    expect(res.code).toBe(code);
    expect(ownedBy(child.pid as number)).toEqual([]);
  });

  it('SIGHUP is ignored while watching; the watch still ends and cleans up', async () => {
    const victim = startDetached('sleep', ['1000']);
    const { child, exited } = startWatcher('watch', [victim]);
    expect(await waitFor(() => ready(child.pid as number), 10000)).toBe(true);
    child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull();
    process.kill(victim, 'SIGKILL');
    const res = await exited;
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)[0].death.cause).toMatchObject({ kind: 'signal', signal: 'SIGKILL' });
    expect(ownedBy(child.pid as number)).toEqual([]);
  });

  it('an uncaught exception still removes the instance', async () => {
    const victim = startDetached('sleep', ['1000']);
    const { child, exited } = startWatcher('throw', [victim]);
    const res = await exited;
    expect(res.code).toBe(1);
    expect(ownedBy(child.pid as number)).toEqual([]);
  });

  it('SIGKILL leaves the instance; the next start removes it', async () => {
    const victim = startDetached('sleep', ['1000']);
    const { child, exited } = startWatcher('watch', [victim]);
    expect(await waitFor(() => ready(child.pid as number), 10000)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    const left = ownedBy(child.pid as number);
    expect(left.length).toBe(1);
    expect(removeStaleInstances()).toEqual(expect.arrayContaining(left));
    expect(ownedBy(child.pid as number)).toEqual([]);
  });
});

maybe('watch action end to end', () => {
  it('SIGKILL by a known pid: exit 3, sender in the JSON report, record found later', async () => {
    const victim = startDetached('sleep', ['1000']);
    const { child, exited } = startWatcher('cli', [victim]);
    expect(await waitFor(() => ready(child.pid as number), 10000)).toBe(true);
    const sender = spawn('bash', ['-c', `kill -9 ${victim}; sleep 0.3; :`], { stdio: 'ignore' });
    track(sender.pid as number);
    const res = await exited;
    expect(res.code).toBe(3);
    const [report] = reportsOf<{ verdict: { cause: unknown } }>(res.stdout);
    expect(report.verdict.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGKILL',
      source: 'watch',
      sender: { pid: sender.pid, comm: 'bash' },
    });
    expect(ownedBy(child.pid as number)).toEqual([]);

    const saved = process.env.WHYDIED_STATE_DIR;
    process.env.WHYDIED_STATE_DIR = stateDir;
    try {
      const finding = await records.run(
        createCheckContext(createFacts(createLiveSource()), {
          query: String(victim),
          pid: victim,
          startTime: null,
          name: null,
        }),
      );
      expect(finding.code).toBe('recorded-death');
      expect(finding.cause).toMatchObject({
        kind: 'signal',
        signal: 'SIGKILL',
        source: 'record',
        sender: { pid: sender.pid },
      });
    } finally {
      if (saved === undefined) delete process.env.WHYDIED_STATE_DIR;
      else process.env.WHYDIED_STATE_DIR = saved;
    }
  });
});
