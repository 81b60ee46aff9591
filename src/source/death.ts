/**
 * A death, the one shape every observer and output shares: who died (the identity read while it was
 * alive), how and by whom (the Cause: exit code or signal, the sender when known, the mechanism, the
 * evidence, the confidence and the time) and when it was seen. `watch`, the recorder, `run` and the
 * launch sentinel make one; the records store keeps it as a line (`DeathRecord` adds the store's
 * bookkeeping); the fleet outputs publish a view of it (`whydied.death/1`, src/fleet/death-event.ts);
 * `scan` lists it; the report's cause is its Cause. Lowest layer every user can import (src/source).
 */
import type { Cause } from './cause';

/** Who the process was, read while it was alive (watch start, recorder at exit time, run's child). */
export interface RecordIdentity {
  pid: number;
  /** Clock ticks since boot (/proc/PID/stat field 22): with pid and boot id, the identity. */
  startTime: number;
  bootId: string;
  comm: string;
  /** First few argv entries, each truncated; hostile data, escaped by renderers. */
  argvHead: string[];
  ppid: number;
  pgid: number;
  sid: number;
  /** Controlling terminal name (`pts/3`) or null. */
  tty: string | null;
  /** cgroup v2 path (or the first v1 path), or null. */
  cgroup: string | null;
}

export interface Death extends RecordIdentity {
  /** How (kind, signal, exitCode), by whom (sender), mechanism and evidence (details), confidence, time. */
  cause: Cause;
  /** ISO 8601: when the observer saw the death. */
  seenAt: string;
}

/** The one way a death is made from what an observer knew of the process and what it saw. */
export function deathOf(who: RecordIdentity, cause: Cause, seenAt: string): Death {
  return { ...who, cause, seenAt };
}

/** A clean exit(0): stored, but not a death the fleet outputs and hooks are told of. */
export function isCleanExit(cause: Cause): boolean {
  return cause.kind === 'exit' && cause.exitCode === 0;
}

/**
 * How the process was ended, as the observer established it (src/observe/derive.ts DEATH_MECHANISMS:
 * kill, group-kill, fault, kernel, oom-kill, ...); `exit` for an exit; null when unknown.
 */
export function mechanismOf(cause: Cause): string | null {
  if (cause.kind === 'oom-kill') return 'oom-kill';
  const m = cause.details?.mechanism;
  if (typeof m === 'string') return m;
  return cause.kind === 'exit' ? 'exit' : null;
}
