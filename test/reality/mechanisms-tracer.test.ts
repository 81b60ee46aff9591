/**
 * A ptrace tracer's end, for real (catalogue: kernel.ptrace-exitkill): gdb's `run` sets PTRACE_O_EXITKILL
 * so the kernel SIGKILLs the program when gdb dies by any signal; strace passes its own fatal signal to the
 * program it started, except with -o FILE, where it blocks fatal signals and a SIGKILL only detaches. /proc
 * shows TracerPid (and the tracer's argv), never the ptrace options: the rows say which case they read.
 */
import { spawnSync } from 'child_process';
import { procStat, waitFor } from '../helpers/processes';
import { runRemedy, soleWithArgv, startTree } from './harness/kernel-events';
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

const { maybe, need } = realitySuite('mechanisms-tracer', notRoot('watch needs tracefs'));
const SLEEP = spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim();

/** `tracer ... sleep N` in a session of its own; the traced sleep and the tracer found by pid. */
async function traced(tracerArgv: string, argv: string[]): Promise<{ pid: number; tracer: number }> {
  const t = startTree(`${tracerArgv} ${argv.join(' ')} </dev/null >/dev/null 2>&1 & echo $! > "$D/tracer"; wait`);
  const tracer = await t.pid('tracer');
  const pid = await soleWithArgv(argv);
  // Traced and running (gdb's inferior first stops at exec; `run` continues it).
  await waitFor(() => procStat(pid)?.state === 'S' && procStat(pid)?.ppid === tracer, 15000);
  return { pid, tracer };
}

maybe('kernel: a ptrace tracer’s end', () => {
  need('gdb')(
    'gdb run: the debugger set PTRACE_O_EXITKILL; SIGKILL to gdb kills the program it started (the kernel, from exit_ptrace); relaunched outside gdb it stays',
    async () => {
      // gdb runs the program by its full path (argv[0] as found on PATH).
      const argv = [SLEEP, uniqueSleep()];
      const { pid, tracer } = await traced('gdb -q -batch -ex run --args', argv);
      const r = diagnose(pid);
      const pe = expectRule(r, 'parent-exit', 'parent.tracer');
      expect(pe.reason).toMatch(/TracerPid/);
      const w = await startWatch(pid);
      process.kill(tracer, 'SIGKILL');
      const died = await outcomeOf(pid, pe);
      expect(died).toBe(true);
      expectReality(pe, died);
      expect(mechanismOf(await w.result)).toBe('tracer-exit');
      runRemedy(r);
      const fixed = await soleWithArgv(argv, [pid]);
      expect(riskOf(diagnose(fixed), 'parent-exit').outcome).toBe('survives');
      process.kill(fixed, 'SIGKILL');
    },
  );

  need('strace')('strace PROG: SIGTERM to strace is passed to the program it started', async () => {
    const { pid, tracer } = await traced('strace', ['sleep', uniqueSleep()]);
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.tracer');
    const w = await startWatch(pid);
    process.kill(tracer, 'SIGTERM');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    const c = await w.result;
    expect(c?.signal).toBe('SIGTERM');
    expect(mechanismOf(c)).toBe('kill');
  });

  need('strace')(
    'strace -o FILE PROG: fatal signals are blocked, and its SIGKILL only detaches: the program runs on',
    async () => {
      const { pid, tracer } = await traced('strace -o /dev/null', ['sleep', uniqueSleep()]);
      const r = diagnose(pid);
      const pe = expectRule(r, 'parent-exit', 'parent.tracer-detaches');
      process.kill(tracer, 'SIGTERM');
      expect(await outcomeOf(tracer, { outcome: 'survives' })).toBe(false);
      process.kill(tracer, 'SIGKILL');
      const died = await outcomeOf(pid, pe);
      expect(died).toBe(false);
      expectReality(pe, died);
      process.kill(pid, 'SIGKILL');
    },
  );
});
