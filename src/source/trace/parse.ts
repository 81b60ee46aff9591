/**
 * The trace events whydied models (the shapes every consumer reads), and a parser for tracefs TEXT output
 * (`trace` / `trace_pipe` lines) kept for saved text traces only: live readers decode the binary ring buffer
 * (raw-reader.ts, raw-events.ts), because the text prints names raw and a name can spell a line.
 *
 * Line shape: `<task comm>-<tid> [cpu] flags timestamp: event: fields`. The task comm may contain spaces and
 * dashes, so the prefix is parsed backwards from the `[cpu]` anchor using the last `-`. Syscall events print as
 * `sys_kill(pid: 0x..., sig: ...)`, not `sys_enter_kill:`; small numbers are printed without `0x`.
 */

interface LineBase {
  /** Comm of the task that generated the event (for signal_generate: the sender). */
  taskComm: string;
  /** Thread id of that task (common_pid). */
  taskPid: number;
  cpu: number;
  /** Seconds, on the instance's trace clock. */
  ts: number;
}

export interface SignalGenerateEvent extends LineBase {
  event: 'signal_generate';
  sig: number;
  errno: number;
  /** si_code: 0 SI_USER, 0x80 SI_KERNEL, -6 SI_TKILL, positive values for CLD_*, faults. */
  code: number;
  /** Victim. */
  comm: string;
  pid: number;
  /** 1 when the signal is process-wide (shared pending), not thread-directed. NOT process-group directed. */
  grp: number;
  /** 0 delivered, 1 ignored, 2 already pending, 3 overflow fail, 4 lose info. */
  res: number;
}

export interface ProcessExitEvent extends LineBase {
  event: 'sched_process_exit';
  comm: string;
  pid: number;
  prio: number;
  /** Last thread of the thread group (6.x kernels); null when the kernel does not print it. */
  groupDead: boolean | null;
}

export interface ExitGroupEvent extends LineBase {
  event: 'sys_exit_group';
  errorCode: number;
}

export interface KillEvent extends LineBase {
  event: 'sys_kill';
  /** Signed target: > 0 a process, 0 the caller's group, -1 everything, < -1 the group -pid. */
  pid: number;
  sig: number;
}

export interface TgkillEvent extends LineBase {
  event: 'sys_tgkill';
  tgid: number;
  pid: number;
  sig: number;
}

/**
 * pidfd_send_signal(2) (systemd, newer runtimes) aims a signal through a pidfd, not a pid: it cannot be
 * filtered by target, so every call with a signal is traced and matched to the signal_generate that follows
 * in the same task, as a kill() is (without it such a signal looks sent with no syscall behind it: a
 * cgroup.kill or a parent-death signal).
 */
export interface PidfdSignalEvent extends LineBase {
  event: 'sys_pidfd_send_signal';
  sig: number;
}

export interface MarkVictimEvent extends LineBase {
  event: 'mark_victim';
  pid: number;
  comm: string | null;
  uid: number | null;
  totalVmKb: number | null;
  anonRssKb: number | null;
}

/** task/task_rename: exec and prctl(PR_SET_NAME) change a task's comm; both names are in the event. */
export interface TaskRenameEvent extends LineBase {
  event: 'task_rename';
  pid: number;
  oldComm: string;
  newComm: string;
}

export type TraceEvent =
  | TaskRenameEvent
  | SignalGenerateEvent
  | ProcessExitEvent
  | ExitGroupEvent
  | KillEvent
  | TgkillEvent
  | PidfdSignalEvent
  | MarkVictimEvent;

const PREFIX = /^(.*)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+\S*\s*([\d.]+):\s+(.*)$/;

/**
 * A syscall argument printed by the kernel's syscall tracepoints: `0x...` hex (as an unsigned long; on this
 * kernel a 32-bit value), otherwise decimal. Converted back to the signed 32-bit int the syscall saw.
 */
export function syscallInt(text: string): number {
  const t = text.trim();
  const big = t.startsWith('0x') ? BigInt(t) : BigInt(t.replace(/[^\d-]/g, '') || '0');
  // pid_t and int arguments are 32 bits: fold both the zero-extended and the sign-extended spelling.
  return Number(BigInt.asIntN(32, big));
}

function num(s: string | undefined): number | null {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function parseBody(base: LineBase, body: string): TraceEvent | null {
  let m: RegExpMatchArray | null;
  if (body.startsWith('signal_generate: ')) {
    m =
      /^signal_generate: sig=(-?\d+) errno=(-?\d+) code=(-?\d+) comm=(.*) pid=(-?\d+) grp=(-?\d+) res=(-?\d+)\s*$/.exec(
        body,
      );
    if (!m) return null;
    return {
      ...base,
      event: 'signal_generate',
      sig: +m[1],
      errno: +m[2],
      code: +m[3],
      comm: m[4],
      pid: +m[5],
      grp: +m[6],
      res: +m[7],
    };
  }
  if (body.startsWith('sched_process_exit: ')) {
    m = /^sched_process_exit: comm=(.*) pid=(-?\d+) prio=(-?\d+)(?: group_dead=(true|false|\d))?\s*$/.exec(body);
    if (!m) return null;
    const gd = m[4] === undefined ? null : m[4] === 'true' || m[4] === '1';
    return { ...base, event: 'sched_process_exit', comm: m[1], pid: +m[2], prio: +m[3], groupDead: gd };
  }
  if ((m = /^sys_exit_group\(error_code: ([^)]+)\)/.exec(body))) {
    // exit_group(int): the status is the low byte the parent sees, but keep the int as passed.
    return { ...base, event: 'sys_exit_group', errorCode: syscallInt(m[1]) };
  }
  if ((m = /^sys_kill\(pid: ([^,]+), sig: ([^)]+)\)/.exec(body))) {
    return { ...base, event: 'sys_kill', pid: syscallInt(m[1]), sig: syscallInt(m[2]) };
  }
  if ((m = /^sys_tgkill\(tgid: ([^,]+), pid: ([^,]+), sig: ([^)]+)\)/.exec(body))) {
    return { ...base, event: 'sys_tgkill', tgid: syscallInt(m[1]), pid: syscallInt(m[2]), sig: syscallInt(m[3]) };
  }
  if (body.startsWith('task_rename: ')) {
    m = /^task_rename: pid=(-?\d+) oldcomm=(.*) newcomm=(.*) oom_score_adj=(-?\d+)\s*$/.exec(body);
    return m ? { ...base, event: 'task_rename', pid: +m[1], oldComm: m[2], newComm: m[3] } : null;
  }
  if (body.startsWith('mark_victim: ')) {
    m = /^mark_victim: pid=(\d+)(.*)$/.exec(body);
    if (!m) return null;
    const rest = m[2];
    const comm = /\bcomm=(.*?) total-vm=/.exec(rest)?.[1] ?? /\bcomm=(\S+)/.exec(rest)?.[1] ?? null;
    return {
      ...base,
      event: 'mark_victim',
      pid: +m[1],
      comm,
      uid: num(/\buid=(\d+)/.exec(rest)?.[1]),
      totalVmKb: num(/\btotal-vm=(\d+)kB/.exec(rest)?.[1]),
      anonRssKb: num(/\banon-rss=(\d+)kB/.exec(rest)?.[1]),
    };
  }
  return null;
}

/** Parse one line; null for headers, comments, lost-event notices and events we do not model. */
export function parseTraceLine(line: string): TraceEvent | null {
  if (line.startsWith('#')) return null;
  const m = PREFIX.exec(line);
  if (!m) return null;
  const base: LineBase = { taskComm: m[1].trim(), taskPid: +m[2], cpu: +m[3], ts: +m[4] };
  return parseBody(base, m[5]);
}

/**
 * `CPU:N [LOST M EVENTS]` lines trace_pipe prints after a ring-buffer overrun: the count, or null.
 */
export function parseLostEvents(line: string): number | null {
  const m = /^CPU:\d+ \[LOST (\d+) EVENTS\]/.exec(line.trim());
  return m ? +m[1] : null;
}
