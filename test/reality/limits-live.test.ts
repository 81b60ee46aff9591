/**
 * The resource-limit row, for real: processes with a CPU-time, file-size or realtime limit are diagnosed
 * live, then made to reach it; the kernel's signal (or its absence) is held to the row. Each process runs in
 * a session of its own (spawned detached), with its stdin a pipe the test writes a cue to.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isRoot, track, waitFor } from '../helpers/processes';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule } from './predict';

const suite = realitySuite('limits-live');

interface Started {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  go(): void;
  write(data: Buffer): void;
}

/** argv started in a session of its own; its stdin a pipe for the cue. */
function start(argv: string[]): Started {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  if (!child.pid) throw new Error(`could not start ${argv[0]}`);
  track(child.pid);
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { pid: child.pid, exited, go: () => child.stdin?.write('\n'), write: (d) => child.stdin?.write(d) };
}

/** CPU seconds used (stat utime + stime), null once gone. */
function cpuSec(pid: number): number | null {
  try {
    const t = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);

const SPIN = 'read _; while :; do :; done';

describe('resource-limit: RLIMIT_CPU', () => {
  test('prlimit --cpu=S:H on a CPU burner: warned before (limit.cpu-near), SIGXCPU at S as predicted', async () => {
    const p = start(['prlimit', '--cpu=3:6', '--', 'sh', '-c', 'while :; do :; done']);
    // A rate is estimated from one CPU second on: the warning comes before the limit, with time to act.
    expect(await waitFor(() => (cpuSec(p.pid) ?? 0) >= 1.1, 20000)).toBe(true);
    const report = diagnose(p.pid);
    const risk = expectRule(report, 'resource-limit', 'limit.cpu-near');
    expect(risk.reason).toMatch(/SIGXCPU at its soft limit, 3 s of CPU/);
    expect(report.verdict.status).toBe('at-risk');
    const end = await within(p.exited, 30000);
    expect(end).toEqual({ code: null, signal: 'SIGXCPU' });
    expectReality(risk, true);
  });

  test('prlimit --cpu=S:H with SIGXCPU ignored: SIGKILL at the hard limit H as predicted', async () => {
    // dash's `trap '' XCPU` sets SIG_IGN, kept across the loop: the soft limit's SIGXCPU does nothing.
    const p = start(['prlimit', '--cpu=1:3', '--', 'sh', '-c', `trap '' XCPU; ${SPIN}`]);
    expect(await waitFor(() => sigBit(p.pid, 'SigIgn', 24), 5000)).toBe(true);
    const report = diagnose(p.pid);
    // Idle (less than a CPU second used, no rate yet): set, not near.
    const risk = expectRule(report, 'resource-limit', 'limit.cpu-set');
    expect(risk.reason).toMatch(/SIGXCPU is ignored, and the kernel sends SIGKILL at its hard limit, 3 s of CPU/);
    p.go();
    const end = await within(p.exited, 40000);
    expect(end).toEqual({ code: null, signal: 'SIGKILL' });
    expectReality(risk, true);
  });

  test('RLIMIT_CPU set on an idle process, soft = hard as ulimit -t sets it: limit.cpu-set, SIGKILL (not SIGXCPU) when it gets there', async () => {
    // posix-cpu-timers.c check_process_timers tests the hard limit first: with both at 2 s, SIGKILL.
    const p = start(['prlimit', '--cpu=2', '--', 'sh', '-c', SPIN]);
    expect(await waitFor(() => statusOf(p.pid).includes('State:\tS'), 5000)).toBe(true);
    const report = diagnose(p.pid);
    const risk = expectRule(report, 'resource-limit', 'limit.cpu-set');
    expect(risk.confidence).toBe('possible');
    expect(risk.reason).toMatch(/both 2 s of CPU.*SIGKILL/);
    // When it does the work, the limit it was warned of ends it.
    p.go();
    expect(await within(p.exited, 30000)).toEqual({ code: null, signal: 'SIGKILL' });
    expectReality(risk, true);
  });

  test('the raise-limit remedy pasted: prlimit --pid N --cpu=unlimited, and the burner runs past its old limit', async () => {
    const p = start(['prlimit', '--cpu=2:8', '--', 'sh', '-c', 'while :; do :; done']);
    expect(await waitFor(() => (cpuSec(p.pid) ?? 0) >= 1.05, 20000)).toBe(true);
    const report = diagnose(p.pid);
    expectRule(report, 'resource-limit', 'limit.cpu-near');
    const step = (report.remedySteps ?? []).find((s) => s.kind === 'raise-limit');
    // Raising the hard limit needs CAP_SYS_RESOURCE (kernel/sys.c do_prlimit): root in a container that dropped
    // it gets the soft limit raised to the hard one, the most it can have.
    expect(step?.command).toBe(
      capSysResource() ? `prlimit --pid ${p.pid} --cpu=unlimited` : `prlimit --pid ${p.pid} --cpu=8:8`,
    );
    // Pasted into a shell as the user would.
    const r = spawnSync('sh', ['-c', step?.command ?? 'false'], { encoding: 'utf8', timeout: 10000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Past its old soft limit (2 s) by a second, still running.
    expect(await waitFor(() => (cpuSec(p.pid) ?? 0) >= 3 || cpuSec(p.pid) === null, 40000)).toBe(true);
    expect(cpuSec(p.pid)).not.toBeNull();
    process.kill(p.pid, 'SIGKILL');
    expect(await p.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  test('a process catching SIGXCPU with no hard limit: limit.handled, its handler decides', async () => {
    const p = start([
      'prlimit',
      '--cpu=1:unlimited',
      '--',
      'python3',
      '-c',
      `import signal, sys, os
signal.signal(signal.SIGXCPU, lambda *a: os._exit(7))
sys.stdin.readline()
while True: pass`,
    ]);
    expect(await waitFor(() => sigBit(p.pid, 'SigCgt', 24), 10000)).toBe(true);
    const report = diagnose(p.pid);
    const risk = expectRule(report, 'resource-limit', 'limit.handled');
    expect(risk.outcome).toBe('unknown');
    expectReality(risk, false);
    p.go();
    // This handler chose to exit 7: the program decided, not the kernel's signal.
    expect(await within(p.exited, 30000)).toEqual({ code: 7, signal: null });
  });
});

/** Whether this test (root) holds CAP_SYS_RESOURCE, as whydied does when run from it. */
function capSysResource(): boolean {
  const m = /^CapEff:\s+([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m !== null && ((BigInt(`0x${m[1]}`) >> 24n) & 1n) === 1n;
}

function statusOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

/** Whether signal n is set in the mask `field` (SigIgn, SigCgt) of its status. */
function sigBit(pid: number, field: string, n: number): boolean {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(statusOf(pid));
  return m !== null && ((BigInt(`0x${m[1]}`) >> BigInt(n - 1)) & 1n) === 1n;
}

describe('resource-limit: RLIMIT_FSIZE', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fsize-live-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('ulimit -f writer: warned while its file nears the limit (limit.fsize-near), SIGXFSZ at the next write past it', async () => {
    const file = path.join(dir, 'log');
    // `ulimit -f 64` in dash is 64 blocks of 512 bytes: 32768 bytes. dd copies its stdin there in 20000-byte
    // blocks: one block now (byte 20000, past half the limit), the next on the cue, which crosses it.
    const p = start(['sh', '-c', `ulimit -f 64; exec dd of=${file} bs=20000 count=3 iflag=fullblock`]);
    const feed = (): void => p.write(Buffer.alloc(20000));
    expect(await waitFor(() => statusOf(p.pid).includes('Name:\tdd'), 5000)).toBe(true);
    feed();
    expect(await waitFor(() => fs.existsSync(file) && fs.statSync(file).size === 20000, 5000)).toBe(true);
    const report = diagnose(p.pid);
    const risk = expectRule(report, 'resource-limit', 'limit.fsize-near');
    expect(risk.reason).toContain('RLIMIT_FSIZE 32768 bytes');
    expect(risk.reason).toContain('next write at byte 20000');
    feed();
    expect(await within(p.exited, 10000)).toEqual({ code: null, signal: 'SIGXFSZ' });
    expectReality(risk, true);
    // The write that crossed was cut at the limit (generic_write_check_limits), the next one killed it.
    expect(fs.statSync(file).size).toBe(32768);
  });

  test('ulimit -f writer far from the limit: limit.fsize-set, and a write past it still ends it with SIGXFSZ', async () => {
    const file = path.join(dir, 'far');
    const p = start(['sh', '-c', `ulimit -f 64; exec dd of=${file} bs=1000 count=2 iflag=fullblock`]);
    expect(await waitFor(() => statusOf(p.pid).includes('Name:\tdd'), 5000)).toBe(true);
    p.write(Buffer.alloc(1000));
    expect(await waitFor(() => fs.existsSync(file) && fs.statSync(file).size === 1000, 5000)).toBe(true);
    const report = diagnose(p.pid);
    const risk = expectRule(report, 'resource-limit', 'limit.fsize-set');
    expect(risk.reason).toContain('at byte 1000');
    // A seek past the limit (dd's seek=, conv=notrunc: no ftruncate, which inode_newsize_ok would also answer
    // with SIGXFSZ) is the same check: the write's position, not the bytes written so far.
    const q = start([
      'sh',
      '-c',
      `ulimit -f 64; exec dd of=${file}.2 bs=1000 seek=40 count=1 conv=notrunc iflag=fullblock`,
    ]);
    expect(await waitFor(() => statusOf(q.pid).includes('Name:\tdd'), 5000)).toBe(true);
    q.write(Buffer.alloc(1000));
    expect(await within(q.exited, 10000)).toEqual({ code: null, signal: 'SIGXFSZ' });
    expectReality(risk, true);
    process.kill(p.pid, 'SIGKILL');
  });

  test('ulimit -f with SIGXFSZ ignored: the write fails with EFBIG, no death (limit.handled)', async () => {
    // CPython ignores SIGXFSZ at start-up (Python/pylifecycle.c): every Python program gets EFBIG instead.
    const file = path.join(dir, 'py');
    const p = start([
      'prlimit',
      '--fsize=32768',
      '--',
      'python3',
      '-c',
      `import sys, errno
f = open(${JSON.stringify(file)}, 'wb', buffering=0)
f.write(b'x' * 20000)
sys.stdin.readline()
try:
    while True: f.write(b'x' * 20000)
except OSError as e:
    sys.exit(5 if e.errno == errno.EFBIG else 1)`,
    ]);
    expect(await waitFor(() => fs.existsSync(file) && fs.statSync(file).size === 20000, 10000)).toBe(true);
    const report = diagnose(p.pid);
    const risk = expectRule(report, 'resource-limit', 'limit.handled');
    expect(risk.reason).toMatch(/SIGXFSZ is ignored: a write past the limit fails with EFBIG/);
    expectReality(risk, false);
    p.go();
    expect(await within(p.exited, 10000)).toEqual({ code: 5, signal: null });
  });
});

describe('resource-limit: RLIMIT_RTTIME', () => {
  const fifo = isRoot() && spawnSync('chrt', ['-f', '1', 'true']).status === 0;
  suite.unless(fifo ? null : 'SCHED_FIFO not permitted here (needs root and an RT budget)', 'RLIMIT_RTTIME')(
    'a SCHED_FIFO spinner with RLIMIT_RTTIME: limit.rttime, SIGXCPU when it runs unblocked past the limit',
    async () => {
      // 200 ms soft, 1 s hard: bounded, and the kernel's RT throttling leaves the other tasks 5% meanwhile.
      const p = start(['chrt', '-f', '1', 'prlimit', '--rttime=200000:1000000', '--', 'sh', '-c', SPIN]);
      expect(await waitFor(() => statusOf(p.pid).includes('Name:\tsh'), 5000)).toBe(true);
      const report = diagnose(p.pid);
      const risk = expectRule(report, 'resource-limit', 'limit.rttime');
      expect(risk.reason).toMatch(/SCHED_FIFO with RLIMIT_RTTIME 200000 µs/);
      p.go();
      expect(await within(p.exited, 10000)).toEqual({ code: null, signal: 'SIGXCPU' });
      expectReality(risk, true);
    },
  );

  test('no limit set: limit.none', async () => {
    // Explicitly unlimited: whatever limits the test runner itself was started with.
    const p = start(['prlimit', '--cpu=unlimited', '--fsize=unlimited', '--rttime=unlimited', '--', 'sh', '-c', SPIN]);
    expect(await waitFor(() => statusOf(p.pid).includes('Name:\tsh'), 5000)).toBe(true);
    const report = diagnose(p.pid);
    const risk = expectRule(report, 'resource-limit', 'limit.none');
    expect(risk.outcome).toBe('survives');
    process.kill(p.pid, 'SIGKILL');
  });
});
