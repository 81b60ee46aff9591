/**
 * `whydied run -- CMD` (built CLI) on real deaths: stdio and exit status pass through, silent on success; a
 * non-zero exit, a SIGTERM from another process, a SIGKILL of CMD's process group, a real memory-cgroup OOM
 * kill and a real SIGSEGV are each named on stderr (sender and mechanism from the tracefs watch as root) and
 * recorded in the records store.
 */
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, descendantsOf, isAlive, isRoot, runCli, track, waitFor } from '../helpers/processes';
import { cProgram, removePrograms } from './c-programs';
import { createMemcg, memcgAvailable } from '../reality/harness/memcg';
import { teardownAll } from '../reality/harness/teardown';

const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');
const root = isRoot();
const rootOnly = root ? it : it.skip;
if (!root) console.log('skipping the tracefs parts of the run tests: the watch needs root');

interface Rec {
  pid: number;
  comm: string;
  cause: {
    kind: string;
    signal?: string;
    exitCode?: number;
    sender?: { pid: number; comm: string };
    details?: Record<string, unknown>;
  };
}

// A private records store for this file (children inherit it through the environment).
const STATE = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-run-test-'));
process.env.WHYDIED_STATE_DIR = STATE;
const stateDir = (): string => STATE;
function records(): Rec[] {
  const f = path.join(stateDir(), 'records.jsonl');
  if (!fs.existsSync(f)) return [];
  return fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
}

/** Start `whydied run -- ...args` in the background; resolves with status and stderr when it ends. */
function startRun(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, 'run', '--', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  track(child.pid as number);
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const done = new Promise<{ status: number | null; stderr: string; stdout: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, stderr, stdout })),
  );
  return { pid: child.pid as number, done };
}

/** The supervised command: the first descendant of whydied whose comm is `comm`. */
async function cmdPid(runPid: number, comm: string): Promise<number> {
  let found = 0;
  const ok = await waitFor(() => {
    for (const d of descendantsOf(runPid)) {
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm) {
          found = d;
          return true;
        }
      } catch {
        /* raced */
      }
    }
    return false;
  }, 10000);
  if (!ok) throw new Error(`no ${comm} under ${runPid}`);
  return found;
}

afterAll(async () => {
  cleanupProcesses();
  await teardownAll();
  removePrograms();
  fs.rmSync(STATE, { recursive: true, force: true });
});

describe('passthrough', () => {
  it('passes exit statuses 0..255 through, silent and unrecorded on success', () => {
    const before = records().length;
    for (const code of [0, 1, 2, 3, 42, 100, 126, 127, 128, 129, 200, 254, 255]) {
      const r = runCli(['run', '--', 'sh', '-c', `exit ${code}`]);
      expect(r.status).toBe(code);
      expect(r.stdout).toBe('');
      if (code === 0) expect(r.stderr).toBe('');
      else expect(r.stderr).toContain(`exited with code ${code}`);
    }
    expect(records().length).toBe(before + 12);
  });

  it('pipes stdin through and passes large output unchanged', () => {
    const input = crypto.randomBytes(3 * 1024 * 1024).toString('base64');
    const r = spawnSync(process.execPath, [CLI, 'run', '--', 'cat'], {
      input,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.length).toBe(input.length);
    expect(r.stdout === input).toBe(true);
    // stdout and stderr stay separate streams of CMD's own.
    const both = runCli(['run', '--', 'sh', '-c', 'echo out; echo err >&2']);
    expect(both.stdout).toBe('out\n');
    expect(both.stderr).toBe('err\n');
  });

  it('says command not found with 127, and refuses no command with exit 2', () => {
    const r = runCli(['run', '--', 'whydied-no-such-command-xyz']);
    expect(r.status).toBe(127);
    expect(r.stderr).toBe('whydied run: whydied-no-such-command-xyz: command not found\n');
    const none = runCli(['run']);
    expect(none.status).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('deaths', () => {
  it('exit 3: named on stderr and recorded', () => {
    const r = runCli(['run', '--', 'sh', '-c', 'exit 3']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^whydied run: sh \(pid (\d+)\) exited with code 3/);
    const pid = Number(/pid (\d+)/.exec(r.stderr)?.[1]);
    const rec = records().find((x) => x.pid === pid);
    expect(rec?.cause).toMatchObject({ kind: 'exit', exitCode: 3 });
  });

  rootOnly('SIGTERM from another process: the sender named (tracefs), 143 passed through', async () => {
    const run = startRun(['sleep', '1000']);
    const sleeper = await cmdPid(run.pid, 'sleep');
    const killer = spawnSync('kill', ['-TERM', String(sleeper)]);
    expect(killer.status).toBe(0);
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stderr).toContain(`sleep (pid ${sleeper}) was killed by SIGTERM from kill (pid ${killer.pid}`);
    expect(r.stderr).toContain('sent to it directly');
    const rec = records().find((x) => x.pid === sleeper);
    expect(rec?.cause).toMatchObject({ kind: 'signal', signal: 'SIGTERM', sender: { pid: killer.pid, comm: 'kill' } });
  });

  rootOnly(
    'SIGKILL of its process group: a group kill named, every member gone, whydied survives to say it',
    async () => {
      const run = startRun(['sh', '-c', 'sleep 1000 & sleep 1000; wait']);
      const sh = await cmdPid(run.pid, 'sh');
      await waitFor(() => descendantsOf(sh).length >= 2);
      const members = descendantsOf(sh);
      const pgid = Number(fs.readFileSync(`/proc/${sh}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
      expect(pgid).toBe(sh);
      const killer = spawnSync('kill', ['-KILL', '--', `-${pgid}`]);
      expect(killer.status).toBe(0);
      const r = await run.done;
      expect(r.status).toBe(137);
      expect(r.stderr).toContain(`sh (pid ${sh}) was killed by SIGKILL from kill (pid ${killer.pid}`);
      expect(r.stderr).toContain('sent to its whole process group');
      expect(await waitFor(() => members.every((m) => !isAlive(m)))).toBe(true);
      const rec = records().find((x) => x.pid === sh);
      expect(rec?.cause.details).toMatchObject({ groupDirected: true, mechanism: 'group-kill' });
    },
  );

  rootOnly('forwards a SIGTERM it receives to CMD, waits for it, and passes its status', async () => {
    const run = startRun(['sleep', '1000']);
    const sleeper = await cmdPid(run.pid, 'sleep');
    process.kill(run.pid, 'SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stderr).toContain(`sleep (pid ${sleeper}) was killed by SIGTERM`);
    expect(isAlive(sleeper)).toBe(false);
  });

  const crasher = cProgram('crasher');
  (root && crasher ? it : it.skip)('SIGSEGV of a real crash: a fault, from the kernel, 139', () => {
    // Not read from the kernel log (its segfault lines are rate-limited): the watch sees the fault itself.
    const r = runCli(['run', '--', crasher as string]);
    expect(r.status).toBe(139);
    expect(r.stderr).toMatch(/crasher \(pid \d+\) crashed: SIGSEGV from the kernel \(a fault in the process itself\)/);
    const pid = Number(/pid (\d+)/.exec(r.stderr)?.[1]);
    expect(records().find((x) => x.pid === pid)?.cause).toMatchObject({ kind: 'signal', signal: 'SIGSEGV' });
  });

  const memcgWhy = memcgAvailable();
  const hog = cProgram('hog');
  (memcgWhy === null && hog ? it : it.skip)(
    'a real memory-cgroup OOM kill: named, peak RSS and the oom_kill delta',
    async () => {
      const cg = createMemcg(160 * 1024 * 1024);
      // whydied runs inside the limited cgroup (as a CI step in a container would); the hog is the biggest.
      const child = spawn(
        'sh',
        [
          '-c',
          `echo $$ > "$1" && exec "$2" "$3" run -- "$4" 400`,
          'x',
          path.join(cg.path, 'cgroup.procs'),
          process.execPath,
          CLI,
          hog as string,
        ],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: process.env,
        },
      );
      track(child.pid as number);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const status = await new Promise<number | null>((r) => child.on('close', r));
      expect(cg.oomKills()).toBeGreaterThanOrEqual(1);
      expect(status).toBe(137);
      expect(stderr).toMatch(/whydied-hog \(pid \d+\) was killed by the kernel OOM killer/);
      expect(stderr).toMatch(/oom_kill \+1/);
      const peak = Number(/peak RSS ([\d.]+) MiB/.exec(stderr)?.[1]);
      expect(peak).toBeGreaterThan(50);
      const pid = Number(/pid (\d+)/.exec(stderr)?.[1]);
      expect(records().find((x) => x.pid === pid)?.cause).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL' });
      await cg.remove();
    },
  );
  if (memcgWhy) console.log(`skipping the OOM test of run: ${memcgWhy}`);
});
