/**
 * signals: the dispositions that decide what a hangup or a group kill does to the process.
 * SigIgn bit 0 set is what nohup leaves behind; SigCgt means the program decides itself.
 */
import type { Check } from '../src/engine/types';

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
    if (ctx.model.existence.state === 'zombie') {
      return {
        status: 'skip',
        code: 'zombie',
        summary: 'Not checked: the process has exited (zombie), no signal can reach it.',
      };
    }
    const st = ctx.model.signals;
    if (!st.ok) {
      return {
        status: st.code === 'EACCES' || st.code === 'EPERM' ? 'warn' : 'info',
        code: 'unreadable',
        summary: `Could not read /proc/${ctx.target.pid}/status (${st.code}): ${st.message}`,
      };
    }
    const evidence = st.value;
    const details = [
      `Ignored: ${evidence.ignored.join(' ') || 'none'}`,
      `Caught (handler installed): ${evidence.caught.join(' ') || 'none'}`,
      `Blocked: ${evidence.blocked.join(' ') || 'none'}`,
      `Pending: ${evidence.pending.join(' ') || 'none'}`,
      `SIGTERM ${evidence.term}; SIGPIPE ${evidence.pipe === 'ignored' ? 'ignored (writes to a dead pipe fail with EPIPE instead of killing it)' : evidence.pipe === 'caught' ? 'handled' : 'default (a write to a pipe with no reader kills it)'}.`,
    ];
    if (evidence.hupBlocked) details.push('SIGHUP is blocked: a hangup stays pending until it is unblocked.');
    if (evidence.pending.length > 0 && evidence.hup !== 'ignored') {
      return {
        status: 'warn',
        code: 'signals-pending',
        summary: `Signals pending: ${evidence.pending.join(' ')}.`,
        details,
        evidence,
      };
    }
    if (evidence.hup === 'ignored') {
      return {
        status: 'info',
        code: 'sighup-ignored',
        summary: 'SIGHUP is ignored (as nohup sets it); SIGTERM and SIGKILL still kill it.',
        details,
        evidence,
      };
    }
    if (evidence.hup === 'caught') {
      return {
        status: 'info',
        code: 'sighup-caught',
        summary: 'SIGHUP has a handler: the program decides what a hangup does.',
        details,
        evidence,
      };
    }
    return {
      status: 'info',
      code: 'sighup-default',
      summary: 'SIGHUP has its default action: a hangup that reaches it terminates it.',
      details,
      evidence,
    };
  },
};
