/**
 * `record --on-death CMD` against real deaths: a hook's own descendants are never hook events, even when the
 * hook starts them in a new session (setsid) where its pid and session say nothing (the recorder follows its
 * own descendants from their fork events); deaths dropped because hooks are too slow are counted in the
 * recorder's status.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isRoot, track, waitFor } from '../helpers/processes';

const root = isRoot();
const maybe = root ? describe : describe.skip;
if (!root) console.log('skipping hook tests: the recorder needs root (tracefs)');
const CLI = path.resolve(__dirname, '../../dist/whydied.js');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-hooks-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function startRecorder(dir: string, hook: string): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, 'record', '--state-dir', dir, '--on-death', hook], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  track(child.pid as number);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  if (!(await waitFor(() => /recording: instance/.test(err), 15000))) throw new Error(`recorder did not start: ${err}`);
  return { child, stderr: () => err };
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
}

/** A copy of /bin/sh under a name of its own, so its deaths are told from every other on the machine. */
function namedShell(name: string): string {
  const exe = path.join(tmp, name);
  fs.copyFileSync('/bin/sh', exe);
  fs.chmodSync(exe, 0o755);
  return exe;
}

const hookRuns = (file: string, comm: string): number =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{') && (JSON.parse(l) as { comm: string }).comm === comm).length
    : 0;

maybe('record --on-death', () => {
  it('a hook that starts a process in a new session which dies is not triggered by it', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'state-'));
    const trigger = namedShell('wd-trigger');
    const inner = namedShell('wd-selftrig');
    const log = path.join(dir, 'hook.log');
    // Each run appends its death, then starts, in a session of its own, a process that dies of SIGTERM.
    const rec = await startRecorder(dir, `cat >> ${log}; setsid ${inner} -c 'kill -TERM $$'`);
    spawnSync(trigger, ['-c', 'kill -TERM $$']);
    expect(await waitFor(() => hookRuns(log, 'wd-trigger') === 1, 10000)).toBe(true);
    // The hook's descendant died (its record is in the store) ...
    const stored = (): boolean =>
      fs.existsSync(path.join(dir, 'records.jsonl')) &&
      fs.readFileSync(path.join(dir, 'records.jsonl'), 'utf8').includes('"comm":"wd-selftrig"');
    expect(await waitFor(stored, 10000)).toBe(true);
    // ... and no hook ran for it (before: one run per death, without end).
    expect(await waitFor(() => hookRuns(log, 'wd-selftrig') > 0, 3000)).toBe(false);
    await stop(rec.child);
  }, 40000);

  it('deaths dropped because hooks are too slow are counted in the status', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'state-'));
    const victim = namedShell('wd-storm');
    const rec = await startRecorder(dir, 'sleep 8');
    spawnSync('bash', ['-c', `for i in $(seq 200); do ${victim} -c 'kill -TERM $$'; done`]);
    const dropped = (): number => {
      try {
        const st = JSON.parse(fs.readFileSync(path.join(dir, 'record.status.json'), 'utf8')) as {
          hooks: { dropped: number } | null;
        };
        return st.hooks?.dropped ?? 0;
      } catch {
        return 0;
      }
    };
    expect(await waitFor(() => dropped() >= 90, 12000, 100)).toBe(true);
    expect(rec.stderr()).toMatch(/--on-death: \d+ death\(s\) dropped/);
    await stop(rec.child);
  }, 40000);
});
