/**
 * A real OOM kill while `whydied watch` is attached (tracefs backend, root): a python memory hog in a 40 MiB
 * memory cgroup (v1). The hog's shell waits on a fifo so the watch's tracing instance is in place before it
 * starts allocating. Then a plain diagnosis finds what the watch saved.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isAlive, isRoot, runCli, startDetached, track, waitFor } from '../helpers/processes';
import { expectValidReports } from '../helpers/schema';

const MEMCG = '/sys/fs/cgroup/memory';
const INSTANCES = '/sys/kernel/tracing/instances';
const LIMIT = 40 * 1024 * 1024;

function skipReason(): string | null {
  if (!isRoot()) return 'not root (needs a memory cgroup and tracefs)';
  if (!fs.existsSync(path.join(MEMCG, 'memory.limit_in_bytes'))) return `no cgroup v1 memory controller at ${MEMCG}`;
  if (spawnSync('python3', ['-c', 'pass']).status !== 0) return 'python3 is not installed';
  return null;
}
const reason = skipReason();
if (reason) console.log(`skipping the watched OOM kill test: ${reason}`);
const maybe = reason ? describe.skip : describe;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});

/** Tracing instances owned by `owner` (names are whydied-<owner pid>-<hex>). */
function instancesOf(owner: number): string[] {
  try {
    return fs.readdirSync(INSTANCES).filter((n) => n.startsWith(`whydied-${owner}-`));
  } catch {
    return [];
  }
}

/** The watch's instance has all its events on (oom/mark_victim is enabled last). */
function attached(owner: number): boolean {
  return instancesOf(owner).some((n) => {
    try {
      return fs.readFileSync(path.join(INSTANCES, n, 'set_event'), 'utf8').includes('mark_victim');
    } catch {
      return false;
    }
  });
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Ended> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

let tmp = '';
let cg = '';

beforeAll(() => {
  if (reason) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-oom-watch-'));
  cg = path.join(MEMCG, `whydied-test-${process.pid}-${randomBytes(3).toString('hex')}`);
  fs.mkdirSync(cg);
  fs.writeFileSync(path.join(cg, 'memory.limit_in_bytes'), String(LIMIT));
});

afterAll(async () => {
  cleanupProcesses();
  if (cg && fs.existsSync(cg)) {
    // Killed tasks leave the cgroup only once they are reaped: retry rmdir briefly.
    await waitFor(
      () => {
        try {
          fs.rmdirSync(cg);
          return true;
        } catch {
          return false;
        }
      },
      5000,
      50,
    );
    expect(fs.existsSync(cg)).toBe(false);
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

maybe('watch: a real OOM kill in a 40 MiB memory cgroup', () => {
  it('watch exits 3 with cause oom-kill from the watch, removes its instance; a later plain diagnosis finds the record', async () => {
    const fifo = path.join(tmp, 'gate');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const stateDir = path.join(tmp, 'state');
    fs.mkdirSync(stateDir);
    const hog = 'x = []\nwhile True:\n    x.append(bytearray(1 << 20))\n';
    // $$ joins the cgroup, then blocks opening the fifo until the test opens its write end; exec keeps the pid.
    const victim = startDetached('sh', [
      '-c',
      'echo $$ > "$1"; read x < "$2"; exec python3 -c "$3"',
      'sh',
      path.join(cg, 'cgroup.procs'),
      fifo,
      hog,
    ]);
    expect(
      await waitFor(() => {
        try {
          return fs.readFileSync(path.join(cg, 'cgroup.procs'), 'utf8').split('\n').includes(String(victim));
        } catch {
          return false;
        }
      }, 5000),
    ).toBe(true);

    const env = { ...process.env, NO_COLOR: '1', WHYDIED_STATE_DIR: stateDir };
    const main = require.resolve('../../dist/whydied.js');
    const watcher = spawn(process.execPath, [main, 'watch', String(victim), '--json', '--timeout', '60'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const watcherPid = track(watcher.pid as number);
    const ended = collect(watcher);
    expect(await waitFor(() => attached(watcherPid), 15000)).toBe(true);

    // A reader is blocked in open(): a non-blocking open for writing succeeds and releases it.
    const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    fs.writeSync(fd, 'go\n');
    fs.closeSync(fd);

    const w = await ended;
    expect(w.signal).toBeNull();
    expect(isAlive(victim)).toBe(false);
    expect(w.code).toBe(3);
    expect(w.stderr).not.toMatch(/\n\s+at /);
    const [report] = expectValidReports(w.stdout);
    expect(report.state).toBe('dead');
    const verdict = obj(report.verdict);
    expect(verdict.status).toBe('died');
    const cause = obj(verdict.cause);
    expect(cause).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL', source: 'watch' });
    expect(obj(cause.details)).toMatchObject({ backend: 'tracefs', kernelSent: true, reason: 'oom-kill' });

    const checks = report.checks as Json[];
    const watchFinding = checks.find((c) => c.id === 'watch');
    expect(watchFinding).toMatchObject({ status: 'fail', code: 'watched-death' });
    expect(String(watchFinding?.summary)).toMatch(/killed by the kernel OOM killer/);
    // The task that triggered the OOM is not a sender: it is in the details, and the name is the exec'd one.
    expect(cause.sender).toBeUndefined();
    expect(obj(obj(cause.details).triggeredBy).pid).toEqual(expect.any(Number));
    expect(String(watchFinding?.summary)).toMatch(/^python3 /);
    // The kernel log, read by the same diagnosis, may also have the OOM report; if so it names the same pid.
    const kernel = checks.find((c) => c.id === 'kernel-log');
    expect(kernel).toBeDefined();
    if (kernel?.code === 'died') {
      expect(kernel.status).toBe('fail');
      const deaths = (obj(kernel.evidence).deaths as Json[] | undefined) ?? [];
      expect(deaths.some((d) => d.pid === victim && d.kind === 'oom-kill')).toBe(true);
      expect(String(kernel.summary)).toMatch(new RegExp(`\\b${victim}\\b.*OOM killer`));
      expect(String(kernel.summary)).toContain(path.basename(cg));
    }

    // Every exit path removes the instance; nothing of this watcher is left.
    expect(instancesOf(watcherPid)).toEqual([]);

    // The watch saved a record: a plain diagnosis (same state dir) finds it.
    const plain = runCli([String(victim), '--json'], { env: { WHYDIED_STATE_DIR: stateDir } });
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    expect(plain.status).toBe(3);
    const [later] = expectValidReports(plain.stdout);
    expect(later.state).toBe('dead');
    const laterCause = obj(obj(later.verdict).cause);
    expect(laterCause.kind).toBe('oom-kill');
    expect(['record', 'watch', 'kernel-log']).toContain(laterCause.source);
    const rec = (later.checks as Json[]).find((c) => c.id === 'records');
    expect(rec).toMatchObject({ status: 'fail', code: 'recorded-death' });
    expect(obj(obj(rec?.evidence).recordedCause)).toMatchObject({ kind: 'oom-kill', source: 'watch' });
  }, 90000);
});
