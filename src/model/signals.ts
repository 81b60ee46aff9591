/**
 * Signal dispositions: what a hangup, a group kill or a dead pipe does to the process. SigIgn bit 0
 * set is what nohup leaves behind; SigCgt means the program decides itself.
 */
import type { Facts, Read, ProcStatus } from '../source/types';
import { decodeSignalMask } from '../source/signals';

export type Disposition = 'ignored' | 'caught' | 'default';

export type SignalsSection = {
  ignored: string[];
  blocked: string[];
  caught: string[];
  pending: string[];
  hup: Disposition;
  hupBlocked: boolean;
  term: Disposition;
  pipe: Disposition;
  /** SIGPIPE is blocked: a write to a dead pipe fails with EPIPE and the signal waits, pending. */
  pipeBlocked: boolean;
  /**
   * The pid of its ptrace tracer (status TracerPid), 0 when none: a tracer that started it with
   * PTRACE_O_EXITKILL (gdb's `run`, strace --kill-on-exit) has the kernel SIGKILL it when the tracer exits.
   */
  tracerPid: number;
  /** Raw masks as the kernel printed them (hex). */
  masks: { sigIgn: string; sigBlk: string; sigCgt: string; sigPnd: string; shdPnd: string };
};

/** Signal `n`'s bit in a /proc status mask (SigIgn, SigCgt, SigBlk: bit n-1). */
export const hasSignal = (mask: bigint, n: number): boolean => ((mask >> BigInt(n - 1)) & 1n) === 1n;

function disposition(ign: bigint, cgt: bigint, n: number): Disposition {
  if (hasSignal(ign, n)) return 'ignored';
  if (hasSignal(cgt, n)) return 'caught';
  return 'default';
}

/** SIGHUP's disposition from the SigIgn/SigCgt masks (also read for pipe peers). */
export const hupDisposition = (ign: bigint, cgt: bigint): Disposition => disposition(ign, cgt, 1);

const hex = (m: bigint): string => m.toString(16).padStart(16, '0');

function signalsOf(s: ProcStatus): SignalsSection {
  return {
    ignored: decodeSignalMask(s.sigIgn),
    blocked: decodeSignalMask(s.sigBlk),
    caught: decodeSignalMask(s.sigCgt),
    pending: decodeSignalMask(s.sigPnd | s.shdPnd),
    hup: disposition(s.sigIgn, s.sigCgt, 1),
    hupBlocked: hasSignal(s.sigBlk, 1),
    term: disposition(s.sigIgn, s.sigCgt, 15),
    pipe: disposition(s.sigIgn, s.sigCgt, 13),
    pipeBlocked: hasSignal(s.sigBlk, 13),
    tracerPid: s.tracerPid,
    masks: {
      sigIgn: hex(s.sigIgn),
      sigBlk: hex(s.sigBlk),
      sigCgt: hex(s.sigCgt),
      sigPnd: hex(s.sigPnd),
      shdPnd: hex(s.shdPnd),
    },
  };
}

export function deriveSignals(facts: Facts, pid: number): Read<SignalsSection> {
  const st = facts.status(pid);
  return st.ok ? { ok: true, value: signalsOf(st.value) } : st;
}
