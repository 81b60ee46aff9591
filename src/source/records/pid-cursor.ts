/**
 * Has a pid been handed out again since a record of it was written? A dead target whose start time is
 * unknown (`whydied 4242` after 4242 ended) can only be tied to a record by pid and boot; that is sound only
 * while the kernel has not given the pid to anyone since. The kernel's pid allocator says so itself:
 *
 * - kernel/pid.c alloc_pid (idr_alloc_cyclic since 4.15; the pidmap bitmap before) hands pids out in
 *   increasing order from the last one given (`/proc/sys/kernel/ns_last_pid`, per PID namespace, 3.3+),
 *   skipping pids in use, and wraps to RESERVED_PIDS (300) past pid_max;
 * - kernel/fork.c copy_process counts every task created (processes and threads) in `total_forks`
 *   (`processes` in /proc/stat); each one takes one pid in every namespace it lives in, the initial one
 *   included.
 *
 * So with the cursor and the count at the time of the record (C0, F0) and now (C1, F1): N = F1 - F0 tasks
 * were made since; while N is under half the pid range the cursor cannot have gone round (each step
 * allocates, and a lap allocates every free pid), so it moved forward exactly the cyclic distance C0 -> C1,
 * which is at least N (one pid or more per task) unless someone wrote ns_last_pid (CRIU, a test forcing a
 * pid): then nothing can be said. Otherwise the pid came round again exactly when it lies in (C0, C1].
 * In a nested PID namespace the count is the whole machine's, so this errs towards "unknown", never "no".
 */

/** The allocator's state at one moment, as whydied saves it with each record. */
export interface PidCursor {
  /** /proc/sys/kernel/ns_last_pid: the last pid handed out in the reader's PID namespace. */
  lastPid: number;
  /** /proc/stat `processes`: tasks created since boot. */
  forks: number;
  /** /proc/sys/kernel/pid_max. */
  pidMax: number;
  /** The PID namespace's inode (/proc/self/ns/pid), so cursors of two namespaces are never compared. */
  pidNs: number;
}

/** alloc_pid wraps to this (include/linux/pid_namespace.h RESERVED_PIDS). */
const RESERVED_PIDS = 300;

export type HandedOut = 'no' | 'yes' | 'unknown';

/** Read the cursor through injected readers (live /proc at save time, ctx.facts at diagnosis). Null if any is missing. */
export function readPidCursor(
  text: (p: string) => string | null,
  link: (p: string) => string | null,
): PidCursor | null {
  const num = (s: string | null): number => (s === null ? NaN : Number(s.trim()));
  const lastPid = num(text('/proc/sys/kernel/ns_last_pid'));
  const pidMax = num(text('/proc/sys/kernel/pid_max'));
  const stat = text('/proc/stat');
  const forks = Number(stat === null ? NaN : (/^processes (\d+)$/m.exec(stat)?.[1] ?? NaN));
  const ns = /^pid:\[(\d+)\]$/.exec(link('/proc/self/ns/pid') ?? '');
  const c = { lastPid, forks, pidMax, pidNs: ns ? Number(ns[1]) : NaN };
  return Object.values(c).every((v) => Number.isSafeInteger(v) && v >= 0) ? c : null;
}

/** A saved cursor from a record line (hostile text: every field checked). */
export function isPidCursor(v: unknown): v is PidCursor {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return ['lastPid', 'forks', 'pidMax', 'pidNs'].every((k) => Number.isSafeInteger(c[k]) && (c[k] as number) >= 0);
}

/** Was `pid` handed out again between cursor `then` (when its record was written) and `now`? */
export function pidHandedOutSince(pid: number, then: PidCursor, now: PidCursor): HandedOut {
  if (then.pidNs !== now.pidNs || then.pidMax !== now.pidMax || now.forks < then.forks) return 'unknown';
  const low = Math.min(RESERVED_PIDS, now.pidMax - 1);
  const span = now.pidMax - low;
  const made = now.forks - then.forks;
  if (span <= 0 || made * 2 >= span) return 'unknown';
  // Forward distance from the old cursor to the new one on the ring [low, pidMax).
  const dist = (a: number, b: number): number => (b >= a ? b - a : b - low + (now.pidMax - a));
  const moved = dist(then.lastPid, now.lastPid);
  if (moved < made) return 'unknown';
  // A pid under 300 behind the cursor is never handed out again: alloc_pid wraps to 300.
  if (pid < low && pid <= then.lastPid) return 'no';
  const reach = dist(then.lastPid, pid);
  return reach > 0 && reach <= moved ? 'yes' : 'no';
}
