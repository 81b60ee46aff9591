/**
 * signals: the dispositions that decide what a hangup or a group kill does to the process.
 * SigIgn bit 0 set is what nohup leaves behind; SigCgt means the program decides itself.
 */
import type { Check } from '../src/engine/types';
import { decodeSignalMask } from '../src/source/signals';

/** Mask decoding is the source layer's (one naming of real-time signals for the whole tool). */
const maskNames = decodeSignalMask;

const has = (mask: bigint, n: number): boolean => ((mask >> BigInt(n - 1)) & 1n) === 1n;

export type SignalsEvidence = {
  ignored: string[];
  blocked: string[];
  caught: string[];
  pending: string[];
  hup: 'ignored' | 'caught' | 'default';
  hupBlocked: boolean;
  term: 'ignored' | 'caught' | 'default';
  pipe: 'ignored' | 'caught' | 'default';
  /** Raw masks as the kernel printed them (hex). */
  masks: { sigIgn: string; sigBlk: string; sigCgt: string; sigPnd: string; shdPnd: string };
};

function disposition(ign: bigint, cgt: bigint, n: number): 'ignored' | 'caught' | 'default' {
  if (has(ign, n)) return 'ignored';
  if (has(cgt, n)) return 'caught';
  return 'default';
}

/** SIGHUP's disposition from the SigIgn/SigCgt masks (shared with stdio for pipe peers). */
export const hupDisposition = (ign: bigint, cgt: bigint): 'ignored' | 'caught' | 'default' => disposition(ign, cgt, 1);

const hex = (m: bigint): string => m.toString(16).padStart(16, '0');

export const signals: Check = {
  meta: {
    id: 'signals',
    title: 'Signal dispositions',
    description: 'SigIgn, SigBlk, SigCgt and pending signals decoded; SIGHUP (nohup), SIGTERM and SIGPIPE called out.',
    requires: ['existence'],
    codes: {
      zombie: 'The process is a zombie: it has exited, and its signal dispositions no longer mean anything.',
      'sighup-ignored': 'SIGHUP is ignored (nohup or the program itself): a hangup alone does not kill it.',
      'sighup-caught': 'SIGHUP has a handler: the program decides what a hangup does.',
      'sighup-default': 'SIGHUP has its default action: a hangup delivered to it terminates it.',
      'signals-pending': 'Signals are pending (blocked or not yet delivered).',
      unreadable: '/proc/PID/status could not be read.',
    },
  },
  run(ctx) {
    // A zombie has already exited: no signal can reach it, so its masks answer nothing.
    if (ctx.prior.get('existence')?.code === 'zombie') {
      return { status: 'skip', code: 'zombie', summary: 'Not checked: the process has exited (zombie), no signal can reach it.' };
    }
    const st = ctx.facts.status(ctx.target.pid);
    if (!st.ok) {
      return {
        status: st.code === 'EACCES' || st.code === 'EPERM' ? 'warn' : 'info',
        code: 'unreadable',
        summary: `Could not read /proc/${ctx.target.pid}/status (${st.code}): ${st.message}`,
      };
    }
    const s = st.value;
    const pendingMask = s.sigPnd | s.shdPnd;
    const evidence: SignalsEvidence = {
      ignored: maskNames(s.sigIgn),
      blocked: maskNames(s.sigBlk),
      caught: maskNames(s.sigCgt),
      pending: maskNames(pendingMask),
      hup: disposition(s.sigIgn, s.sigCgt, 1),
      hupBlocked: has(s.sigBlk, 1),
      term: disposition(s.sigIgn, s.sigCgt, 15),
      pipe: disposition(s.sigIgn, s.sigCgt, 13),
      masks: { sigIgn: hex(s.sigIgn), sigBlk: hex(s.sigBlk), sigCgt: hex(s.sigCgt), sigPnd: hex(s.sigPnd), shdPnd: hex(s.shdPnd) },
    };
    const details = [
      `Ignored: ${evidence.ignored.join(' ') || 'none'}`,
      `Caught (handler installed): ${evidence.caught.join(' ') || 'none'}`,
      `Blocked: ${evidence.blocked.join(' ') || 'none'}`,
      `Pending: ${evidence.pending.join(' ') || 'none'}`,
      `SIGTERM ${evidence.term}; SIGPIPE ${evidence.pipe === 'ignored' ? 'ignored (writes to a dead pipe fail with EPIPE instead of killing it)' : evidence.pipe === 'caught' ? 'handled' : 'default (a write to a pipe with no reader kills it)'}.`,
    ];
    if (evidence.hupBlocked) details.push('SIGHUP is blocked: a hangup stays pending until it is unblocked.');
    if (evidence.pending.length > 0 && evidence.hup !== 'ignored') {
      return { status: 'warn', code: 'signals-pending', summary: `Signals pending: ${evidence.pending.join(' ')}.`, details, evidence };
    }
    if (evidence.hup === 'ignored') {
      return { status: 'info', code: 'sighup-ignored', summary: 'SIGHUP is ignored (as nohup sets it); SIGTERM and SIGKILL still kill it.', details, evidence };
    }
    if (evidence.hup === 'caught') {
      return { status: 'info', code: 'sighup-caught', summary: 'SIGHUP has a handler: the program decides what a hangup does.', details, evidence };
    }
    return { status: 'info', code: 'sighup-default', summary: 'SIGHUP has its default action: a hangup that reaches it terminates it.', details, evidence };
  },
};
