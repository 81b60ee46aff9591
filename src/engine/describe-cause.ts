/**
 * A death in words, one way for every place that says how a process ended: the report's cause line,
 * `whydied scan`, the `watch` finding, `whydied run`'s stderr line and the journal/syslog message of the
 * fleet outputs. Here (under the checks and the renderers) so a check can say it the same way too.
 * Pure and unescaped: comm and signal names are hostile data, and each caller escapes for its medium.
 */

/** What the words depend on: a Cause, or the flat cause of a `whydied.death/1` event. */
export interface CauseFacts {
  kind: string;
  signal?: string | null;
  exitCode?: number | null;
  sender?: { pid: number; comm: string; uid?: number | null } | null;
  /** The watcher's and recorder's findings: mechanism, kernelSent, reason, groupDirected, afterSignal. */
  details?: Readonly<Record<string, unknown>>;
}

/** Signals the CPU raises for a fault in the process itself (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV). */
const FAULT_SIGNALS = new Set(['SIGILL', 'SIGTRAP', 'SIGBUS', 'SIGFPE', 'SIGSEGV']);
/** Mechanisms in which the kernel itself sent the signal (a death event carries these without kernelSent). */
const KERNEL_MECHANISMS = new Set([
  'fault',
  'kernel',
  'kernel-hangup',
  'session-leader-exit',
  'orphaned-group',
  'terminal-key',
  'namespace-exit',
  'tracer-exit',
  'seccomp',
]);

/** The short head of a cause: `OOM kill`, `exit code 3`, `SIGTERM`, `segfault (SIGSEGV)`. */
function causeHead(c: CauseFacts): string {
  if (c.kind === 'oom-kill') return 'OOM kill';
  if (c.kind === 'exit') return `exit code ${c.exitCode ?? '?'}`;
  if (c.kind === 'unknown') return 'ended, cause not seen';
  if (c.kind === 'segfault' && c.signal) return `segfault (${c.signal})`;
  if (c.details?.reason === 'kernel-oops') return `kernel oops (${c.signal ?? 'a signal'} from the kernel)`;
  return c.signal ? c.signal : c.kind;
}

/** `sent by kill (pid 4250, uid 0)`, or null when the sender is not known. */
function senderWords(c: CauseFacts): string | null {
  const s = c.sender;
  if (!s) return null;
  return `sent by ${s.comm} (pid ${s.pid}${s.uid !== undefined && s.uid !== null ? `, uid ${s.uid}` : ''})`;
}

/** Whether the signal was aimed at the process group rather than the process (kill -- -PGID, kill 0). */
export function groupDirected(c: CauseFacts): boolean {
  return c.details?.groupDirected === true || c.details?.mechanism === 'group-kill';
}

/** The short form in parts (head, sender, group): joined with ` · ` in the report, with spaces in scan. */
export function causeParts(c: CauseFacts): string[] {
  const sender = senderWords(c);
  return [
    causeHead(c),
    ...(sender !== null ? [sender] : []),
    ...(groupDirected(c) ? ['to its whole process group'] : []),
  ];
}

/** How a sender's signal reached it, after the sender: `, sent to its whole process group`. */
function howSent(c: CauseFacts): string {
  if (groupDirected(c)) return ', sent to its whole process group';
  switch (c.details?.mechanism) {
    case 'broadcast':
      return ', sent to every process (kill -1)';
    case 'shell-forwarded-hangup':
      return ', a shell forwarding its terminal hangup to its job';
    case 'parent-death-signal':
      return ': its parent exited, and this was the parent-death signal it had asked for (prctl PR_SET_PDEATHSIG)';
    case 'cgroup-kill':
      return ', which killed its whole cgroup (cgroup.kill)';
    case 'kill':
      return ', sent to it directly';
    default:
      // The ptrace backend and old records do not know how it was aimed: say nothing rather than guess.
      return '';
  }
}

/** The resource-limit signals the kernel sends a process for its own use (kernel.rlimit in the catalogue). */
const LIMIT_SIGNALS: Readonly<Record<string, string>> = {
  SIGXCPU: ': it used up its CPU-time limit (RLIMIT_CPU, `ulimit -t`; /proc/PID/limits "Max cpu time")',
  SIGXFSZ: ': a write went past its file-size limit (RLIMIT_FSIZE, `ulimit -f`; /proc/PID/limits "Max file size")',
};

/** What the kernel's own signal meant, after `was killed by SIG from the kernel`. */
function kernelMeaning(c: CauseFacts): string {
  switch (c.details?.mechanism) {
    case 'kernel-hangup':
      return ': its terminal hung up, its controlling process exited, or its stopped group was orphaned';
    case 'namespace-exit':
      return ': the init of its PID namespace ended, and every process in the namespace goes with it';
    case 'seccomp':
      return ': a seccomp filter forbade a system call it made (SIGSYS)';
    case 'tracer-exit':
      return ': its ptrace tracer exited, and had asked the kernel to kill its tracees then (PTRACE_O_EXITKILL)';
    case 'session-leader-exit':
      return ': the controlling process of its terminal exited, and the kernel hangs up the foreground group';
    case 'orphaned-group':
      return ': its process group was orphaned with a stopped member (SIGHUP then SIGCONT)';
    case 'terminal-key':
      return ': a key typed at its terminal (^C or ^\\) signals the foreground group';
    case 'kernel':
      return LIMIT_SIGNALS[c.signal ?? ''] ?? '';
    default:
      return '';
  }
}

/**
 * The predicate of a sentence whose subject the caller writes (`sleep (pid 42) ` + this):
 * `was killed by SIGTERM from kill (pid 4250, uid 0), sent to it directly`, `exited with code 3`,
 * `was killed by the kernel OOM killer`, `crashed: SIGSEGV from the kernel (a fault in the process itself)`.
 * `pid` is the process's own (a sender with the same pid killed itself).
 */
export function describeCause(c: CauseFacts, pid?: number): string {
  const d = c.details ?? {};
  if (c.kind === 'exit') {
    return `exited with code ${c.exitCode ?? '?'}${typeof d.afterSignal === 'string' ? ` after receiving ${d.afterSignal}` : ''}`;
  }
  // The recorder saw the end but neither cause (threads exiting on their own, or a lost event): no guessing.
  if (c.kind === 'unknown') return 'ended; neither an exit call nor a fatal signal was seen';
  if (c.kind === 'oom-kill') return 'was killed by the kernel OOM killer';
  const sig = c.signal ?? 'a signal';
  if (d.kernelSent === true || KERNEL_MECHANISMS.has(String(d.mechanism))) {
    if (d.reason === 'fault' || d.mechanism === 'fault')
      return `crashed: ${sig} from the kernel (a fault in the process itself)`;
    // kernel/exit.c make_task_dead after an oops: the kernel's own bug, hit during the task's system call.
    if (d.reason === 'kernel-oops')
      return `was killed by ${sig} from the kernel: the kernel hit a bug (an oops) during its system call, not a fault in the program itself (fix: a kernel update, or report the oops upstream)`;
    return `was killed by ${sig} from the kernel${kernelMeaning(c)}`;
  }
  const s = c.sender;
  if (d.mechanism === 'broken-pipe')
    return `was killed by ${sig} from its own write: the reader of its pipe or socket had exited`;
  if (s) {
    if (s.pid === pid && !groupDirected(c)) return `killed itself with ${sig}`;
    const uid = s.uid !== undefined && s.uid !== null ? `, uid ${s.uid}` : '';
    return `was killed by ${sig} from ${s.comm} (pid ${s.pid}${uid})${howSent(c)}`;
  }
  return `was killed by ${sig}${FAULT_SIGNALS.has(sig) ? ' (a crash)' : ''}`;
}
