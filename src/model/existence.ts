/**
 * Existence: is the target alive, a zombie, or gone — and is it still the process the user meant?
 * Every other section of a live target rests on it.
 */
import type { Facts } from '../source/types';
import { signalName } from '../source/signals';
import type { CheckTarget } from './target';

export type ExistenceState = 'alive' | 'zombie' | 'gone' | 'pid-reused';

export type ExistenceSection = {
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
  /**
   * A job-control stop (state T): the signal that stopped it (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU), null when
   * not stopped or not told. The kernel's do_signal_stop (kernel/signal.c) records the stop signal as the
   * exit code that fs/proc/array.c do_task_stat prints as stat field 52, until the parent collects the stop
   * with waitpid(WUNTRACED) (kernel/exit.c wait_task_stopped clears it): read on 6.18, 22 after a SIGTTOU
   * while the parent did not wait, 0 once an interactive bash had collected its job's stop.
   */
  stopSignal?: string | null;
};

/** The signals whose default action is a job-control stop (signal(7)). */
const STOP_SIGNALS: ReadonlySet<string> = new Set(['SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU']);

function stopSignalOf(exitCode: number | null | undefined): string | null {
  if (exitCode === null || exitCode === undefined || exitCode <= 0 || exitCode > 0x7f) return null;
  const name = signalName(exitCode);
  return STOP_SIGNALS.has(name) ? name : null;
}

/** A decoded wait status: the exit code, or the signal that ended it (and whether it dumped core). */
export type ExitStatus = { raw: number; exitCode: number | null; signal: string | null; coreDumped: boolean };

function decodeWaitStatus(raw: number): ExitStatus {
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

/** A kernel thread by its stat alone (flags, or kthreadd and its children). */
export const isKernelThreadStat = (s: { pid: number; ppid: number; flags: number }): boolean =>
  (s.flags & PF_KTHREAD) !== 0 || s.pid === 2 || s.ppid === 2;

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

export function deriveExistence(facts: Facts, target: CheckTarget): ExistenceSection {
  const { pid } = target;
  let bootId: string | null = null;
  try {
    bootId = facts.host().bootId;
  } catch {
    bootId = null;
  }
  const p = facts.process(pid);
  if (!p) {
    return {
      state: 'gone',
      pid,
      comm: target.name,
      stateLetter: null,
      stateMeaning: null,
      startTime: null,
      startTicks: target.startTime,
      bootId,
      kernelThread: false,
    };
  }
  const letter = p.stat.state;
  const statusKthread = p.status.ok ? p.status.value.kthread : null;
  const kernelThread = statusKthread ?? isKernelThreadStat({ pid, ppid: p.stat.ppid, flags: p.stat.flags });
  const base = {
    pid,
    comm: p.stat.comm,
    stateLetter: letter,
    stateMeaning: stateMeaning(letter),
    startTime: new Date(p.startedAtMs).toISOString(),
    startTicks: p.stat.startTime,
    bootId: p.identity.bootId || bootId,
    kernelThread,
  };
  if (target.startTime !== null && target.startTime !== p.stat.startTime) return { ...base, state: 'pid-reused' };
  if (letter === 'Z' || letter === 'X' || letter === 'x') {
    const exitStatus =
      p.stat.exitCode === undefined || p.stat.exitCode === null ? null : decodeWaitStatus(p.stat.exitCode);
    return { ...base, state: letter === 'Z' ? 'zombie' : 'gone', exitStatus };
  }
  if (letter === 'T') return { ...base, state: 'alive', stopSignal: stopSignalOf(p.stat.exitCode) };
  return { ...base, state: 'alive' };
}
