/**
 * existence: is the target alive, a zombie, or gone — and is it still the process the user meant?
 * Everything else depends on this one: it fails when the process is gone so dependents are skipped.
 */
import type { Check, Evidence } from '../src/engine/types';
import { signalName } from '../src/source/signals';

export type ExistenceState = 'alive' | 'zombie' | 'gone' | 'pid-reused';

export type ExistenceEvidence = {
  state: ExistenceState;
  pid: number;
  comm: string | null;
  stateLetter: string | null;
  stateMeaning: string | null;
  /** ISO 8601 wall-clock start. */
  startTime: string | null;
  /** Clock ticks since boot (stat field 22): with boot id, the process identity. */
  startTicks: number | null;
  bootId: string | null;
  kernelThread: boolean;
  /** A zombie's wait status (stat field 52, exit_code): how it ended, null when not a zombie or unreadable. */
  exitStatus?: ExitStatus | null;
};

/** A decoded wait status: the exit code, or the signal that ended it (and whether it dumped core). */
export type ExitStatus = { raw: number; exitCode: number | null; signal: string | null; coreDumped: boolean };

export function decodeWaitStatus(raw: number): ExitStatus {
  const sig = raw & 0x7f;
  if (sig === 0) return { raw, exitCode: (raw >> 8) & 0xff, signal: null, coreDumped: false };
  return { raw, exitCode: null, signal: signalName(sig), coreDumped: (raw & 0x80) !== 0 };
}

export function describeExitStatus(s: ExitStatus): string {
  if (s.signal === null) return `exited with code ${s.exitCode}`;
  return `was killed by ${s.signal}${s.coreDumped ? ' (core dumped)' : ''}`;
}

/** PF_KTHREAD in /proc/PID/stat flags. */
export const PF_KTHREAD = 0x00200000;

const STATE_MEANINGS: Record<string, string> = {
  R: 'running',
  S: 'sleeping in an interruptible wait',
  D: 'uninterruptible sleep (usually I/O)',
  Z: 'zombie: exited, not yet reaped by its parent',
  T: 'stopped by a job-control signal',
  t: 'stopped by a debugger (tracing stop)',
  X: 'dead',
  x: 'dead',
  I: 'idle kernel thread',
  P: 'parked',
  W: 'paging/waking',
  K: 'wakekill',
};

export function stateMeaning(letter: string): string {
  return STATE_MEANINGS[letter] ?? 'unknown state';
}

export const existence: Check = {
  meta: {
    id: 'existence',
    title: 'Process exists',
    description: 'Is the process alive, a zombie, or gone; its start time, boot id, state and whether it is a kernel thread.',
    codes: {
      alive: 'The process is running.',
      zombie: 'The process has exited but its parent has not reaped it yet.',
      'kernel-thread': 'The target is a kernel thread: no terminal, session or signals from users apply.',
      gone: 'No process with this pid exists (it exited).',
      'pid-reused': 'The pid now belongs to a different, newer process: the original one exited.',
    },
  },
  run(ctx) {
    const { pid } = ctx.target;
    const facts = ctx.facts;
    let bootId: string | null = null;
    try {
      bootId = facts.host().bootId;
    } catch {
      bootId = null;
    }
    const p = facts.process(pid);
    if (!p) {
      const evidence: ExistenceEvidence = {
        state: 'gone',
        pid,
        comm: ctx.target.name,
        stateLetter: null,
        stateMeaning: null,
        startTime: null,
        startTicks: ctx.target.startTime,
        bootId,
        kernelThread: false,
      };
      return {
        status: 'fail',
        code: 'gone',
        summary: `No process ${pid} is running.`,
        details: ['/proc has no entry for this pid: the process has exited (or never existed).'],
        evidence: evidence as Evidence,
      };
    }
    const startIso = new Date(p.startedAtMs).toISOString();
    const letter = p.stat.state;
    const statusKthread = p.status.ok ? p.status.value.kthread : null;
    const kernelThread = statusKthread ?? ((p.stat.flags & PF_KTHREAD) !== 0 || pid === 2 || p.stat.ppid === 2);
    const base = {
      pid,
      comm: p.stat.comm,
      stateLetter: letter,
      stateMeaning: stateMeaning(letter),
      startTime: startIso,
      startTicks: p.stat.startTime,
      bootId: p.identity.bootId || bootId,
      kernelThread,
    };
    if (ctx.target.startTime !== null && ctx.target.startTime !== p.stat.startTime) {
      const evidence: ExistenceEvidence = { ...base, state: 'pid-reused' };
      return {
        status: 'fail',
        code: 'pid-reused',
        summary: `Pid ${pid} now belongs to a different process (started ${startIso}); the original exited.`,
        details: [
          `Expected start time ${ctx.target.startTime} ticks after boot, found ${p.stat.startTime}.`,
          'The kernel recycled the pid after the original process exited.',
        ],
        evidence: evidence as Evidence,
      };
    }
    if (letter === 'Z' || letter === 'X' || letter === 'x') {
      const exitStatus = p.stat.exitCode === undefined || p.stat.exitCode === null ? null : decodeWaitStatus(p.stat.exitCode);
      const evidence: ExistenceEvidence = { ...base, state: letter === 'Z' ? 'zombie' : 'gone', exitStatus };
      if (letter !== 'Z') {
        return {
          status: 'fail',
          code: 'gone',
          summary: `Process ${pid} is exiting (state ${letter}).`,
          evidence: evidence as Evidence,
        };
      }
      return {
        status: 'warn',
        code: 'zombie',
        summary: `Process ${pid} ${exitStatus ? describeExitStatus(exitStatus) : 'has exited'} and is a zombie waiting for its parent ${p.stat.ppid} to reap it.`,
        details: [
          `State Z: ${stateMeaning('Z')}.`,
          `Started ${startIso}.`,
          ...(exitStatus ? [`Wait status ${exitStatus.raw} (/proc/${pid}/stat field 52, exit_code): ${describeExitStatus(exitStatus)}.`] : []),
        ],
        evidence: evidence as Evidence,
      };
    }
    const evidence: ExistenceEvidence = { ...base, state: 'alive' };
    const details = [`State ${letter}: ${stateMeaning(letter)}.`, `Started ${startIso}, boot id ${base.bootId}.`];
    if (kernelThread) {
      return {
        status: 'info',
        code: 'kernel-thread',
        summary: `Process ${pid} is a kernel thread (${p.stat.comm}).`,
        details: [...details, 'Kernel threads have no terminal, session or user signals to fear.'],
        evidence: evidence as Evidence,
      };
    }
    return {
      status: 'pass',
      code: 'alive',
      summary: `Process ${pid} is alive (state ${letter}: ${stateMeaning(letter)}), started ${startIso}.`,
      details,
      evidence: evidence as Evidence,
    };
  },
};
