/**
 * Turning what a watcher saw into a Cause. Pure: the tracefs backend feeds parsed events here, tests feed
 * fixture lines. The decisive fact is whether the process called exit_group: a process killed by a signal
 * never does (the kernel exits it from the signal path), so "no exit_group + a fatal signal generated for it"
 * names the signal, and "exit_group(N)" names the exit code (with any fatal signal before it as context: a
 * handler that caught SIGTERM and exited).
 */
import type { Cause, Evidence } from '../engine/types';
import { signalName } from '../source/signals';
import { isShellName } from '../model/classify';
import type { KillEvent, MarkVictimEvent, SignalGenerateEvent, TgkillEvent } from '../source/trace/parse';
import type { WatchBackend } from './types';

/** Signals whose default action does not end the process. */
const NON_FATAL = new Set([17, 18, 19, 20, 21, 22, 23, 28]);
export const SI_KERNEL = 0x80;
/** si_code of kill(2), pidfd_send_signal(2) and every kernel send with SEND_SIG_NOINFO (include/uapi/asm-generic/siginfo.h). */
export const SI_USER = 0;
const FAULT_SIGNALS = new Set([4, 5, 7, 8, 11]);
/** SIGSYS with a positive si_code (SYS_SECCOMP) from the caller itself: a seccomp filter's verdict. */
const SIGSYS = 31;
/** Resource-limit signals (signal(7)): CPU time (RLIMIT_CPU) and file size (RLIMIT_FSIZE). */
const SIGXCPU = 24;
const SIGXFSZ = 25;

/**
 * What the watcher knew of the victim (when it started watching, or when the recorder first saw a fatal
 * signal for it), and whether it traced every syscall that can send a signal with si_code SI_USER to another
 * process: kill(2) and pidfd_send_signal(2) (kernel/signal.c: tgkill/tkill give SI_TKILL, and
 * rt_sigqueueinfo, rt_tgsigqueueinfo and pidfd_send_signal with a siginfo refuse a code >= 0 aimed at
 * another process). Only then does "SI_USER and no syscall behind it" mean the kernel sent it on someone's
 * behalf (cgroup.kill, a parent-death signal). Both `watch` (src/observe/tracefs-backend.ts) and the recorder
 * (src/record/recorder.ts) trace them.
 */
export interface VictimContext {
  ppid: number;
  pgid: number;
  sid: number;
  syscallsTraced: boolean;
  /** Its ptrace tracer when the watch started (status TracerPid), 0 when none. */
  tracer?: number;
}

export interface SenderFacts {
  /** Process id of the sending task (its tgid), when it could be read. */
  tgid: number | null;
  uid: number | null;
}

interface SeenSignal {
  ev: SignalGenerateEvent;
  kill: KillEvent | TgkillEvent | null;
  sender: SenderFacts;
  wallMs: number;
  /** The victim caught it and re-raised it at itself. */
  reRaised?: boolean;
}

export class DeathTracker {
  private readonly signals: SeenSignal[] = [];
  private exit: { code: number; wallMs: number } | null = null;
  private oom: { ev: MarkVictimEvent; wallMs: number } | null = null;
  ended = false;
  endedAtMs: number | null = null;

  constructor(
    readonly pid: number,
    private readonly victim: VictimContext | null = null,
  ) {}

  get signalsSeen(): number {
    return this.signals.length;
  }

  onSignal(ev: SignalGenerateEvent, kill: KillEvent | TgkillEvent | null, sender: SenderFacts, wallMs: number): void {
    this.signals.push({ ev, kill, sender, wallMs });
  }

  onExitGroup(code: number, wallMs: number): void {
    this.exit = { code, wallMs };
  }

  onOom(ev: MarkVictimEvent, wallMs: number): void {
    this.oom = { ev, wallMs };
  }

  onEnd(wallMs: number): void {
    if (this.ended) return;
    this.ended = true;
    this.endedAtMs = wallMs;
  }

  /**
   * The last delivered signal that would end the process by default. A process that catches a signal, cleans
   * up and re-raises it at itself (bash on SIGHUP, many daemons on SIGTERM) dies of its own kill(): the
   * earlier same signal from someone else is the real cause then.
   */
  private lastFatal(): SeenSignal | null {
    const fatal = this.signals.filter((s) => s.ev.res === 0 && !NON_FATAL.has(s.ev.sig));
    const last = fatal[fatal.length - 1];
    if (!last) return null;
    const self = (s: SeenSignal): boolean => (s.sender.tgid ?? s.ev.taskPid) === this.pid && s.ev.code <= 0;
    if (self(last)) {
      for (let i = fatal.length - 2; i >= 0; i--) {
        if (fatal[i].ev.sig === last.ev.sig && !self(fatal[i])) return { ...fatal[i], reRaised: true };
      }
    }
    return last;
  }

  cause(backend: WatchBackend): Cause | null {
    const fatal = this.lastFatal();
    if (this.oom) {
      const o = this.oom;
      const details: Evidence = {
        backend,
        kernelSent: true,
        groupDirected: false,
        reason: 'oom-kill',
        mechanism: 'oom-kill',
      };
      if (o.ev.totalVmKb !== null) details.totalVmKb = o.ev.totalVmKb;
      if (o.ev.anonRssKb !== null) details.anonRssKb = o.ev.anonRssKb;
      // The task in mark_victim's prefix is the one whose allocation triggered the OOM killer (often the
      // victim itself), not a sender: the kernel killed it.
      details.triggeredBy = { pid: o.ev.taskPid, comm: o.ev.taskComm };
      return {
        kind: 'oom-kill',
        signal: 'SIGKILL',
        time: new Date(o.wallMs).toISOString(),
        source: 'watch',
        details,
      };
    }
    if (this.exit) {
      const details: Evidence = { backend, exitGroupArg: this.exit.code };
      if (fatal) {
        // It got a fatal-by-default signal, handled it, and exited on its own: worth saying who asked.
        details.afterSignal = signalName(fatal.ev.sig);
        details.afterSignalSender = { pid: fatal.sender.tgid ?? fatal.ev.taskPid, comm: fatal.ev.taskComm };
      }
      return {
        kind: 'exit',
        exitCode: this.exit.code & 0xff,
        time: new Date(this.endedAtMs ?? this.exit.wallMs).toISOString(),
        source: 'watch',
        details,
      };
    }
    if (fatal) return signalCause(fatal, backend, this.context(fatal));
    return null;
  }

  /** What the signal's neighbours and the victim's ties say about how it came (see mechanismOf). */
  private context(s: SeenSignal): MechanismContext {
    // `s` may be a copy (a re-raised signal's original): find it by its event.
    const i = this.signals.findIndex((o) => o.ev === s.ev);
    const after = this.signals.slice(i + 1).find((o) => o.ev.taskPid === s.ev.taskPid);
    return {
      contFollowed: after !== undefined && after.ev.sig === 18 && after.ev.code === SI_KERNEL,
      grp: s.ev.grp,
      siCode: s.ev.code,
      victim: this.victim,
    };
  }
}

/** What mechanismOf reads besides the signal itself. */
export interface MechanismContext {
  /** The same task generated a kernel SIGCONT for it right after (hangup to the leader, orphaned group). */
  contFollowed: boolean;
  /** signal_generate's grp: 0 when sent to the task alone (PIDTYPE_PID: send_sig, tgkill), 1 to the process. */
  grp: number;
  /** signal_generate's code: the si_code the kernel stored (SI_USER for SEND_SIG_NOINFO, see TP_STORE_SIGINFO). */
  siCode: number;
  victim: VictimContext | null;
}

/**
 * The kill/tgkill call (or pidfd_send_signal, given as a kill of `ev.pid`) that a task made last, when it is
 * the call that generated this signal for this victim: same signal, aimed at it (its pid or thread id, its
 * group, 0 or -1). A task's older call aimed elsewhere is not behind this signal (a shell that ran `kill -9
 * X` earlier and now writes to cgroup.kill, or exits with a child holding a parent-death signal).
 * `pgid` null: not known, so any group-directed call counts.
 */
export function callBehind(
  call: KillEvent | TgkillEvent | undefined,
  ev: SignalGenerateEvent,
  victimTgid: number,
  pgid: number | null,
): KillEvent | TgkillEvent | null {
  if (!call || call.sig !== ev.sig) return null;
  if (call.event === 'sys_tgkill') return call.tgid === victimTgid || call.pid === ev.pid ? call : null;
  const p = call.pid;
  if (p === victimTgid || p === ev.pid || p === 0 || p === -1) return call;
  if (p < -1) return pgid === null || pgid <= 0 || -p === pgid ? call : null;
  return null;
}

/**
 * How a death came, as watch names it (the `mechanism` of a watch cause; each is an entry of the
 * mechanism catalogue, src/engine/mechanisms). The kernel's own signals carry si_code SI_KERNEL and are
 * told apart by their context: who generated them, to whom, and what came with them.
 */
export type DeathMechanism =
  | 'kernel-hangup'
  | 'session-leader-exit'
  | 'orphaned-group'
  | 'terminal-key'
  | 'shell-forwarded-hangup'
  | 'group-kill'
  | 'namespace-exit'
  | 'tracer-exit'
  | 'parent-death-signal'
  | 'cgroup-kill'
  | 'fault'
  | 'seccomp'
  | 'kernel'
  | 'broadcast'
  | 'broken-pipe'
  | 'oom-kill'
  | 'kill';

/** Every DeathMechanism, for tables and tests (the catalogue holds each to an entry). */
export const DEATH_MECHANISMS: readonly DeathMechanism[] = [
  'kernel-hangup',
  'session-leader-exit',
  'orphaned-group',
  'terminal-key',
  'shell-forwarded-hangup',
  'group-kill',
  'namespace-exit',
  'tracer-exit',
  'parent-death-signal',
  'cgroup-kill',
  'fault',
  'seccomp',
  'kernel',
  'broadcast',
  'broken-pipe',
  'oom-kill',
  'kill',
];

/**
 * Why the signal came, in the words a person needs: the mechanism follows from who generated it
 * (kernel or a task), how (kill of a pid, of a group, of everything) and which signal.
 */
export function mechanismOf(
  sig: number,
  kernelSent: boolean,
  kill: KillEvent | TgkillEvent | null,
  sender: { pid: number; comm: string },
  victim: number,
  ctx: MechanismContext | null = null,
): { mechanism: DeathMechanism; why: string } {
  const name = signalName(sig);
  const who = `${sender.comm} (pid ${sender.pid})`;
  const v = ctx?.victim ?? null;
  if (kernelSent) {
    if (sig === 1) {
      // drivers/tty/tty_io.c tty_signal_session_leader: SIGHUP+SIGCONT to the session leader at a hangup.
      if (v && v.sid === victim && ctx?.contFollowed)
        return {
          mechanism: 'kernel-hangup',
          why: `the kernel sent SIGHUP and SIGCONT (in the context of ${who}): its terminal hung up, and it leads the terminal's session`,
        };
      // kernel/exit.c kill_orphaned_pgrp: SIGHUP+SIGCONT to a group orphaned with a stopped member.
      if (v && v.sid !== victim && ctx?.contFollowed)
        return {
          mechanism: 'orphaned-group',
          why: `the kernel sent its process group ${v.pgid} SIGHUP then SIGCONT as ${who} exited: the group was orphaned (no parent left in another group of the session) with a stopped member`,
        };
      // tty_io.c disassociate_ctty: the controlling process's exit SIGHUPs the foreground group (no SIGCONT on a pty).
      if (v && sender.pid === v.sid && sender.pid !== victim)
        return {
          mechanism: 'session-leader-exit',
          why: `the kernel sent SIGHUP to the terminal's foreground group as the session leader ${who} exited (it was the controlling process of the terminal)`,
        };
      return {
        mechanism: 'kernel-hangup',
        why: `the kernel sent SIGHUP (in the context of ${who}): its terminal hung up or its controlling process exited, or its stopped group was orphaned`,
      };
    }
    // drivers/tty/n_tty.c isig -> __isig -> kill_pgrp: ^C, ^\\ typed at the terminal (from the tty's input worker).
    if (sig === 2 || sig === 3)
      return {
        mechanism: 'terminal-key',
        why: `the terminal sent ${name} to its foreground process group: ${sig === 2 ? 'the interrupt key (^C)' : 'the quit key (^\\)'} was typed (in the context of ${who})`,
      };
    // kernel/seccomp.c __seccomp_filter -> force_sig_seccomp: SIGSYS (si_code SYS_SECCOMP) to the caller itself
    // for SECCOMP_RET_TRAP and SECCOMP_RET_KILL_PROCESS/THREAD.
    if (sig === SIGSYS && sender.pid === victim)
      return {
        mechanism: 'seccomp',
        why: 'a seccomp filter forbade a system call it made: the kernel sent it SIGSYS (a sandbox, a unit’s SystemCallFilter=, a container profile)',
      };
    if (FAULT_SIGNALS.has(sig)) return { mechanism: 'fault', why: `the CPU faulted in the process itself (${name})` };
    // kernel/ptrace.c exit_ptrace: a tracee of an exiting tracer that set PTRACE_O_EXITKILL gets SIGKILL
    // (SEND_SIG_PRIV) in the tracer's context.
    if (sig === 9 && v?.tracer && sender.pid === v.tracer && sender.pid !== victim)
      return {
        mechanism: 'tracer-exit',
        why: `the kernel sent SIGKILL as its tracer ${who} exited: the tracer had set PTRACE_O_EXITKILL (a debugger that started it, as gdb's run does)`,
      };
    if (sig === 9 && sender.pid !== victim) {
      return {
        mechanism: 'namespace-exit',
        why: `the kernel sent SIGKILL as ${who} exited: the init of its PID namespace ended, and every process in the namespace goes with it`,
      };
    }
    // kernel/time/posix-cpu-timers.c check_process_timers -> check_rlimit: SIGXCPU (SEND_SIG_PRIV) to itself at
    // the soft RLIMIT_CPU, SIGKILL at the hard one.
    if (sig === SIGXCPU && sender.pid === victim)
      return {
        mechanism: 'kernel',
        why: 'it used up its CPU-time limit (RLIMIT_CPU, ulimit -t): the kernel sent it SIGXCPU at the soft limit (SIGKILL follows at the hard one)',
      };
    return { mechanism: 'kernel', why: `the kernel generated ${name} (in the context of ${who})` };
  }
  const groupTarget =
    kill && kill.event === 'sys_kill' && (kill.pid === 0 || kill.pid < -1)
      ? kill.pid === 0
        ? null
        : -kill.pid
      : undefined;
  // A shell by its name, or by what it does: the victim's session leader sending it SIGHUP (the name the
  // trace gives a task that exec'd a shell may still be its launcher's).
  const shell = isShellName(sender.comm) || (v !== null && sender.pid === v.sid);
  if (sig === 1 && shell && sender.pid !== victim) {
    return {
      mechanism: 'shell-forwarded-hangup',
      why: `shell ${who} forwarded SIGHUP to its job${groupTarget ? ` (process group ${groupTarget})` : ''}: the shell got the terminal hangup, or exited with huponexit`,
    };
  }
  if (groupTarget !== undefined) {
    const grp = groupTarget === null ? 'its own process group' : `process group ${groupTarget}`;
    return {
      mechanism: 'group-kill',
      why: `${who} sent ${name} to the whole ${grp}${groupTarget ? ` (kill -${name.replace(/^SIG/, '')} -- -${groupTarget})` : ''}`,
    };
  }
  // mm/filemap.c generic_write_check_limits: a write past RLIMIT_FSIZE gets send_sig(SIGXFSZ, current, 0), SI_USER
  // from itself with no kill() call (and EFBIG when the signal is ignored or caught).
  if (sig === SIGXFSZ && sender.pid === victim && !kill)
    return {
      mechanism: 'kernel',
      why: 'a write of its went past its file-size limit (RLIMIT_FSIZE, ulimit -f): the kernel sent it SIGXFSZ',
    };
  // pipe_write() and unix_stream_sendmsg() signal the writer itself, with no kill() call: its reader is gone.
  if (sig === 13 && sender.pid === victim && !kill)
    return {
      mechanism: 'broken-pipe',
      why: 'it wrote to a pipe or socket whose reader had exited (SIGPIPE from its own write)',
    };
  // Both are SI_USER (SEND_SIG_NOINFO) with no syscall: anything else (SI_TKILL from tgkill, SI_QUEUE, a timer's
  // SI_TIMER) came through a call of its own.
  if (!kill && v?.syscallsTraced && ctx?.siCode === SI_USER) {
    // kernel/exit.c forget_original_parent: the exiting parent's thread sends pdeath_signal
    // (group_send_sig_info(SEND_SIG_NOINFO, PIDTYPE_TGID): grp 1, like a kill(); only the missing call tells).
    if (sender.pid === v.ppid && sender.pid !== victim)
      return {
        mechanism: 'parent-death-signal',
        why: `its parent ${who} exited and the kernel sent it ${name}, the parent-death signal it had asked for with prctl(PR_SET_PDEATHSIG) (no kill() was made)`,
      };
    // kernel/cgroup/cgroup.c __cgroup_kill (5.14+): send_sig(SIGKILL, task, 0) = SEND_SIG_NOINFO to the task
    // alone (PIDTYPE_PID: grp 0), in the writer's context. kill() and pidfd_send_signal() send to the whole
    // process (PIDTYPE_TGID: grp 1); a syscall aiming at one thread gives SI_TKILL.
    if (sig === 9 && ctx?.grp === 0 && sender.pid !== victim)
      return {
        mechanism: 'cgroup-kill',
        why: `${who} killed its whole cgroup (echo 1 > cgroup.kill): the kernel sent SIGKILL on its behalf, no kill() or tgkill() was made`,
      };
  }
  if (kill && kill.event === 'sys_kill' && kill.pid === -1)
    return { mechanism: 'broadcast', why: `${who} sent ${name} to every process it may signal (kill -1)` };
  return { mechanism: 'kill', why: `${who} sent ${name} to it directly` };
}

function signalCause(s: SeenSignal, backend: WatchBackend, ctx: MechanismContext | null = null): Cause {
  const { ev, kill } = s;
  const kernelSent =
    ev.code === SI_KERNEL ||
    ev.taskPid === 0 ||
    ((FAULT_SIGNALS.has(ev.sig) || ev.sig === SIGSYS) && ev.code > 0 && ev.taskPid === ev.pid);
  const details: Evidence = { backend, kernelSent, siCode: ev.code, groupDirected: false };
  if (kill && kill.event === 'sys_kill') {
    // kill(0) = the caller's group, kill(-1) = everything it may signal, kill(-N) = group N.
    details.groupDirected = kill.pid === 0 || kill.pid < -1;
    if (kill.pid === -1) details.broadcast = true;
    details.killTarget = kill.pid;
  } else if (kill && kill.event === 'sys_tgkill') {
    details.threadDirected = true;
  }
  if (s.reRaised) details.reRaised = true;
  const sender: { pid: number; comm: string; uid?: number } = { pid: s.sender.tgid ?? ev.taskPid, comm: ev.taskComm };
  const m = mechanismOf(ev.sig, kernelSent, kill, sender, ev.pid, ctx);
  if (kernelSent) {
    if (m.mechanism === 'orphaned-group') details.reason = 'orphaned-group';
    else if (ev.sig === 1) details.reason = 'terminal-hangup';
    else if (FAULT_SIGNALS.has(ev.sig)) details.reason = 'fault';
    else if (m.mechanism === 'terminal-key') details.reason = 'terminal-key';
    else details.reason = 'kernel';
  }
  details.mechanism = m.mechanism;
  details.why = m.why;
  if (s.sender.uid !== null) sender.uid = s.sender.uid;
  return {
    kind: 'signal',
    signal: signalName(ev.sig),
    sender,
    time: new Date(s.wallMs).toISOString(),
    source: 'watch',
    details,
  };
}
