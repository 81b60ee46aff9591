/**
 * parent-exit, the kernel's part: what the kernel itself does to a child when its parent exits, each read
 * from what /proc shows (mech-kernel). Tried before the launcher rules: these hold whatever the parent is.
 *
 *  - The parent is pid 1 of the child's PID namespace: zap_pid_ns_processes (kernel/pid_namespace.c)
 *    SIGKILLs every other member when that init exits.
 *  - The parent is the only tie of the child's process group to its session, and a member is stopped:
 *    forget_original_parent -> reparent_leader -> kill_orphaned_pgrp (kernel/exit.c) sends the newly
 *    orphaned group SIGHUP then SIGCONT (POSIX: a stopped orphaned group would never be continued).
 *  - Its stdout/stderr is a pipe or socketpair that only the parent reads: the next write after the
 *    parent's exit raises SIGPIPE (fs/pipe.c pipe_write, net/unix/af_unix.c unix_stream_sendmsg) or, with
 *    SIGPIPE ignored or handled, fails with EPIPE: then the program decides.
 *  - It is a Node cluster worker whose IPC channel (a UNIX socket) only its parent, the primary, holds: the
 *    parent's exit closes the channel, and Node's cluster code makes the worker exit at the disconnect
 *    (lib/internal/cluster/child.js). A plain fork() child keeps running: the program decides.
 *  - Its parent is its ptrace tracer (status TracerPid == ppid): gdb's run sets PTRACE_O_EXITKILL (gdb
 *    nat/linux-ptrace.c linux_enable_event_reporting, for inferiors it did not attach to), and the kernel
 *    (kernel/ptrace.c exit_ptrace -> __ptrace_detach) SIGKILLs such a tracee when the tracer exits; strace
 *    (strace.c cleanup) sends the program it started its own fatal signal.
 *  - A prctl(PR_SET_PDEATHSIG) signal is not in /proc at all, but a launcher that always sets one on the
 *    child it starts shows it in its own argv (unshare --kill-child, bwrap --die-with-parent: the tools
 *    table's childDeathSignal/ownDeathSignal): the kernel sends it at the parent's exit (kernel/exit.c
 *    forget_original_parent), and bwrap's own signal ties the sandbox to bwrap's parent in turn.
 *    Otherwise the generic rules say it cannot be seen.
 */
import type { SurvivalRule, RiskEvidence } from './types';
import type { ProcessDescription } from '../../model/describe-process';
import { toolOf } from '../../model/tools';

const parentPid = (e: RiskEvidence): number | null =>
  e.process && e.process.ppid > 1 && !e.chain?.reparented ? e.process.ppid : null;

function parentEndText(e: RiskEvidence): string | null {
  const ends = e.stdio?.parentEnd ?? [];
  const p = parentPid(e);
  if (ends.length === 0 || p === null) return null;
  const kinds = [...new Set(ends.map((f) => (f.kind === 'socket' ? 'a socketpair' : 'a pipe')))].join(' or ');
  return `fd ${ends.map((f) => f.fd).join(', ')} is ${kinds} whose other end only its parent (pid ${p}) holds`;
}

/**
 * Its tracer is `strace -o FILE PROG` without -I: strace(1) -I: "3, never: fatal signals are always blocked
 * (default if -o FILE PROG)", so only SIGKILL ends it, and a SIGKILLed tracer without EXITKILL (strace 6.1
 * has no --kill-on-exit) just detaches (kernel/ptrace.c exit_ptrace -> __ptrace_detach).
 */
function straceBlocksFatal(e: RiskEvidence): boolean {
  const a = e.chain?.ancestors[0];
  const argv = a?.argv ?? [];
  if (a?.comm !== 'strace') return false;
  const opts = argv.slice(1);
  const output = opts.some((x) => x === '-o' || /^-o./.test(x) || x.startsWith('--output'));
  const interruptible = opts.some((x) => /^-I|^--interruptible/.test(x) || /^-[a-zA-Z]*I/.test(x));
  return output && !interruptible && !opts.some((x) => x === '-p' || x.startsWith('--attach'));
}

/** The signal its death-signal launcher sets: `--kill-child=SIGTERM` names one, SIGKILL otherwise. */
function deathSignalOf(a: ProcessDescription): string {
  const flag = (a.argv ?? []).find((x) => x.startsWith('--kill-child='));
  const raw = flag ? flag.slice('--kill-child='.length).toUpperCase() : '';
  return /^(SIG)?[A-Z0-9]{1,10}$/.test(raw)
    ? raw.startsWith('SIG') || /^\d+$/.test(raw)
      ? raw
      : `SIG${raw}`
    : 'SIGKILL';
}

/** Its parent, when that launcher gave it a parent-death signal (tools table: childDeathSignal). */
function deathSignalParent(e: RiskEvidence): ProcessDescription | null {
  const a = e.chain?.ancestors[0];
  return a && parentPid(e) === a.pid && toolOf(a)?.traits.childDeathSignal ? a : null;
}

/**
 * The launcher whose exit sets off its death-signal parent: past every ancestor that gave itself a parent-death
 * signal (bwrap --die-with-parent: its pid 1, then its monitor), the first that did not, when that one can
 * exit (not init, not the service manager).
 */
function deathSignalLauncher(e: RiskEvidence): { launcher: ProcessDescription; wrapper: ProcessDescription } | null {
  const chain = e.chain?.ancestors ?? [];
  let j = 0;
  while (j < chain.length && toolOf(chain[j])?.traits.ownDeathSignal) j++;
  const launcher = chain[j];
  if (j === 0 || !launcher || launcher.pid <= 1 || launcher.kind === 'systemd') return null;
  return { launcher, wrapper: chain[j - 1] };
}

export const kernelParentExitRules: SurvivalRule[] = [
  {
    code: 'parent.death-signal-chain',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      "Its parent is a sandbox started with a parent-death signal on itself (bwrap --die-with-parent): when the launcher that started the sandbox exits, the kernel SIGKILLs the sandbox, and the sandbox's end SIGKILLs it in turn (PR_SET_PDEATHSIG on each). Start the sandbox without --die-with-parent, or from a parent that stays (a systemd unit).",
    when: (e) => {
      const p = deathSignalParent(e);
      const up = p ? deathSignalLauncher(e) : null;
      if (!p || !up) return null;
      const { launcher, wrapper } = up;
      // Short: the reason is the report's Threat line, and the fix command must stay in the first five rows.
      const via = wrapper.pid === p.pid ? '' : ` through its pid ${p.pid}`;
      return `when ${launcher.label} (pid ${launcher.pid}) exits, however it ends, the kernel SIGKILLs ${wrapper.comm} (pid ${wrapper.pid}, --die-with-parent), then it: the parent-death signal ${wrapper.comm} gave it${via}`;
    },
  },
  {
    code: 'parent.death-signal',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'certain',
    by: 'keeper',
    meaning:
      'Its parent is a launcher that gives the child it starts a parent-death signal that kills it (unshare --kill-child, bwrap --die-with-parent; SIGKILL unless another is named): the kernel sends it the moment the launcher exits, however it ends. The launcher waits for it and exits only after it or at a SIGKILL: its own end, not a threat.',
    when: (e) => {
      const p = deathSignalParent(e);
      if (!p) return null;
      const sig = deathSignalOf(p);
      // Another signal kills only with its default action (SigIgn/SigCgt read for TERM and HUP alone).
      const fatal =
        sig === 'SIGKILL' ||
        (sig === 'SIGTERM' && e.signals?.term === 'default') ||
        (sig === 'SIGHUP' && e.signals?.hup === 'default');
      if (!fatal) return null;
      return `its parent ${p.label} (pid ${p.pid}) started it with ${sig} as its parent-death signal (prctl PR_SET_PDEATHSIG, set by ${p.comm}'s option), which kills it: the kernel sends it the moment ${p.comm} exits, however it ends, a SIGKILL of ${p.comm} included; ${p.comm} waits for it and exits only after it, so only a kill of ${p.comm} sets this off`;
    },
  },
  {
    code: 'parent.tracer',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'Its parent traces it (status TracerPid): a debugger that started it sets PTRACE_O_EXITKILL, so the kernel SIGKILLs it when the tracer exits, and strace sends the program it started its own fatal signal.',
    when: (e) => {
      const p = parentPid(e);
      if (p === null || e.signals?.tracerPid !== p || straceBlocksFatal(e)) return null;
      const a = e.chain?.ancestors[0];
      const who = a ? `${a.label} (pid ${p})` : `pid ${p}`;
      return `its parent ${who} traces it (TracerPid ${p}): a tracer that started it usually ends it with itself — gdb's run sets PTRACE_O_EXITKILL, so the kernel (exit_ptrace) SIGKILLs it even when the debugger is SIGKILLed, and strace passes its own fatal signal to the program it started; ptrace options are not visible in /proc, and a tracer that only detaches (strace killed with SIGKILL) leaves it running`;
    },
  },
  {
    code: 'parent.tracer-detaches',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      'Its parent is `strace -o FILE` tracing it: strace blocks fatal signals then, so only a SIGKILL ends it, and a SIGKILLed tracer only detaches its tracee.',
    when: (e) => {
      const p = parentPid(e);
      if (p === null || e.signals?.tracerPid !== p || !straceBlocksFatal(e)) return null;
      return `its parent strace (pid ${p}) traces it with its output to a file (-o): strace(1) blocks fatal signals then (-I 3), so only a SIGKILL ends strace, and the kernel then only detaches it (strace 6.1 sets no PTRACE_O_EXITKILL); it runs on, reparented`;
    },
  },
  {
    code: 'parent.namespace-init',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      'Its parent is the init (pid 1) of its PID namespace: when that init exits the kernel SIGKILLs every process in the namespace.',
    when: (e) => {
      const n = e.namespace;
      if (!n?.parentIsNsInit || !n.nsInit || parentPid(e) === null) return null;
      return `its parent ${n.nsInit.comm} (pid ${n.nsInit.pid} here) is pid 1 of its PID namespace: when it exits the kernel (zap_pid_ns_processes) SIGKILLs every process in the namespace, whatever nohup or setsid did`;
    },
  },
  {
    code: 'parent.orphans-stopped-group',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      'Its parent is the only tie of its process group to the session and a member is stopped: when the parent exits the kernel sends the orphaned group SIGHUP and SIGCONT.',
    when: (e) => {
      const g = e.group;
      if (!g?.orphanedByParentExit || g.stoppedMembers.length === 0 || parentPid(e) === null) return null;
      if (e.signals?.hup !== 'default') return null;
      // A stopped job of an interactive shell is parent.stopped-job's case (the shell's SIGTERM comes first).
      if (e.chain?.ancestors[0]?.kind === 'interactive-shell') return null;
      const stopped = g.stoppedMembers.includes(e.process?.pid ?? -1)
        ? 'it is stopped'
        : `member ${g.stoppedMembers.join(', ')} is stopped`;
      return `its parent (pid ${parentPid(e)}) is the only tie of process group ${g.pgid} to session ${g.sid}, and ${stopped}: when the parent exits the group is orphaned and the kernel (kill_orphaned_pgrp) sends the whole group SIGHUP then SIGCONT; SIGHUP kills it`;
    },
  },
  {
    code: 'parent.orphans-stopped-group-handled',
    event: 'parent-exit',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      "Its parent is the only tie of its stopped process group to the session, and it catches SIGHUP: the kernel's SIGHUP and SIGCONT at the parent's exit resume it into its own handler, and the program decides.",
    when: (e) => {
      const g = e.group;
      if (!g?.orphanedByParentExit || g.stoppedMembers.length === 0 || parentPid(e) === null) return null;
      if (e.signals?.hup !== 'caught' || e.chain?.ancestors[0]?.kind === 'interactive-shell') return null;
      return `its parent (pid ${parentPid(e)}) is the only tie of process group ${g.pgid} to session ${g.sid} and a member is stopped: when the parent exits the kernel (kill_orphaned_pgrp) sends the group SIGHUP then SIGCONT, and it catches SIGHUP (SigCgt), so it resumes into its own handler and the program decides (many daemons reload, some exit)`;
    },
  },
  {
    code: 'parent.stdio-peer',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'Its output pipe or socketpair is read only by its parent (Node’s default spawn stdio): once the parent exits, its next write raises SIGPIPE, which kills it.',
    when: (e) => {
      const t = parentEndText(e);
      if (!t || e.signals?.pipe !== 'default' || e.signals.pipeBlocked) return null;
      return `${t}: once the parent exits, its next write there raises SIGPIPE, which kills it by default (a program that never writes there again lives on)`;
    },
  },
  {
    code: 'parent.stdio-peer-handled',
    event: 'parent-exit',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'Its output pipe or socketpair is read only by its parent and SIGPIPE is ignored, handled or blocked: after the parent exits its writes fail with EPIPE, and the program decides.',
    when: (e) => {
      const t = parentEndText(e);
      if (!t || !e.signals) return null;
      const how = e.signals.pipeBlocked ? 'blocked' : e.signals.pipe === 'ignored' ? 'ignored' : 'handled';
      return `${t}, and SIGPIPE is ${how}: once the parent exits its writes there fail with EPIPE, and the program decides what that does (Node, Python and Go programs often exit on it)`;
    },
  },
  {
    code: 'parent.cluster-worker',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'It is a Node cluster worker (NODE_UNIQUE_ID) whose IPC channel only its parent, the primary, holds: when the primary exits the channel disconnects and the worker exits.',
    when: (e) => {
      const c = e.stdio?.parentChannel;
      const p = parentPid(e);
      if (!c?.clusterWorker || p === null) return null;
      return `fd ${c.fd} is its IPC channel (NODE_CHANNEL_FD), a UNIX socket whose other end only its parent (pid ${p}) holds, and NODE_UNIQUE_ID marks it a Node cluster worker: when the primary exits the channel disconnects and Node's cluster code exits the worker at once (unless the program replaced that 'disconnect' handling)`;
    },
  },
];
