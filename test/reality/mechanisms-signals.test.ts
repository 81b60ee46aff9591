/**
 * The rest of what watch names from the kernel's signal code, for real: a CPU fault in the process itself
 * (SIGSEGV), a kill(-1) broadcast (inside a PID namespace of its own, so nothing else on the host is
 * touched), and a signal the kernel generates on its own account (RLIMIT_CPU's SIGXCPU).
 */
import { spawn, spawnSync } from 'child_process';
import { procStat, track, waitFor } from '../helpers/processes';
import { pidnsAvailable, startPidNamespace } from './harness/pidns';
import { soleWithArgv } from './harness/kernel-events';
import { realitySuite, notRoot } from './harness/suite';
import { mechanismOf, outcomeOf, startWatch, uniqueSleep } from './predict';
import { describeCause } from '../../src/engine/describe-cause';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const { maybe, unless } = realitySuite('mechanisms-signals', notRoot('watch needs tracefs'));

/** A process that waits for a line on stdin, then runs `then` (so the watch is armed first). */
function onCue(script: string): { pid: number; go(): void } {
  const child = spawn('sh', ['-c', `read _; ${script}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  if (!child.pid) throw new Error('could not start sh');
  track(child.pid);
  child.stdin?.on('error', () => undefined);
  return { pid: child.pid, go: () => child.stdin?.write('\n') };
}

maybe('kernel: signals the kernel generates itself', () => {
  test('a CPU fault: SIGSEGV from the kernel for the process’s own bad access', async () => {
    const p = onCue(`exec python3 -c 'import ctypes; ctypes.string_at(0)'`);
    await waitFor(() => procStat(p.pid)?.comm === 'sh', 3000);
    const w = await startWatch(p.pid);
    p.go();
    expect(await outcomeOf(p.pid, { outcome: 'dies' })).toBe(true);
    const c = await w.result;
    expect(c?.signal).toBe('SIGSEGV');
    expect(mechanismOf(c)).toBe('fault');
  });

  test('a resource limit: RLIMIT_CPU’s SIGXCPU from the kernel; with the limit raised it runs on', async () => {
    const p = onCue(`ulimit -S -t 1; exec sh -c 'while :; do :; done'`);
    const w = await startWatch(p.pid);
    p.go();
    expect(await waitFor(() => procStat(p.pid) === null || procStat(p.pid)?.state === 'Z', 15000)).toBe(true);
    const c = await w.result;
    expect(c?.signal).toBe('SIGXCPU');
    expect(mechanismOf(c)).toBe('kernel');
    expect(c && describeCause(c, p.pid)).toMatch(/from the kernel: it used up its CPU-time limit \(RLIMIT_CPU/);
    // The remedy: the same spinner relaunched with no CPU-time limit (`ulimit -t unlimited`) outlives 1 s of CPU.
    const n = uniqueSleep();
    const argv = ['sh', '-c', `while :; do :; done; : ${n}`];
    spawnSync('sh', [
      '-c',
      `ulimit -t unlimited; setsid -f sh -c 'while :; do :; done; : ${n}' </dev/null >/dev/null 2>&1`,
    ]);
    const fixed = await soleWithArgv(argv);
    expect(await waitFor(() => procStat(fixed) === null, 2500)).toBe(false);
    process.kill(fixed, 'SIGKILL');
  });

  test('a resource limit: RLIMIT_FSIZE’s SIGXFSZ for a write past the file-size limit, named with the limit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fsize-'));
    try {
      const p = onCue(`ulimit -f 1; exec dd if=/dev/zero of=${dir}/big bs=4096 count=4`);
      const w = await startWatch(p.pid);
      p.go();
      expect(await outcomeOf(p.pid, { outcome: 'dies' })).toBe(true);
      const c = await w.result;
      expect(c?.signal).toBe('SIGXFSZ');
      expect(mechanismOf(c)).toBe('kernel');
      expect(c && describeCause(c, p.pid)).toMatch(
        /from the kernel: a write went past its file-size limit \(RLIMIT_FSIZE/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('RLIMIT_NOFILE is no death: open() fails with EMFILE and the program decides (this one exits 3)', async () => {
    const p = onCue(
      `ulimit -n 16; exec python3 -c 'import sys
fs = []
try:
    while True: fs.append(open("/dev/null"))
except OSError as e:
    sys.exit(3 if e.errno == 24 else 1)'`,
    );
    const w = await startWatch(p.pid);
    p.go();
    expect(await outcomeOf(p.pid, { outcome: 'dies' })).toBe(true);
    const c = await w.result;
    expect(c).toMatchObject({ kind: 'exit', exitCode: 3 });
    expect(c?.signal ?? null).toBeNull();
  });

  const ns = pidnsAvailable();
  unless(ns)('kill -1 broadcast: every process the sender may signal (inside a PID namespace of its own)', async () => {
    const n = uniqueSleep();
    const box = await startPidNamespace(`sleep ${n}`, { comm: 'sleep' });
    const w = await startWatch(box.pid);
    const r = spawnSync('nsenter', ['-t', String(box.nsInitPid), '-p', '-m', 'sh', '-c', 'kill -TERM -1'], {
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(r.error).toBeUndefined();
    expect(await outcomeOf(box.pid, { outcome: 'dies' })).toBe(true);
    expect(mechanismOf(await w.result)).toBe('broadcast');
    await box.stop();
  });
});
