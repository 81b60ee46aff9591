import type { Death } from '../death';
import type { ContainerIdentity } from '../container-id';
import type { PidCursor } from './pid-cursor';

export type { RecordIdentity } from '../death';

/** One line of records.jsonl: a Death (src/source/death.ts) and the store's bookkeeping. */
export interface DeathRecord extends Death {
  v: 1;
  /** Written by the launch sentinel: the name the user gave (`whydied launch --name`) and the log path. */
  launch?: { name: string; log: string };
  /** Container the process ran in (from its cgroup path), when it was one; added by the fleet outputs. */
  container?: ContainerIdentity | null;
  /** NSpid: its pid in each nested PID namespace, outermost first (the last one is the pid seen inside). */
  nsPid?: number[] | null;
  /**
   * The kernel's pid allocator when the record was saved (pid-cursor.ts): lets a later diagnosis of a dead
   * pid whose start time is unknown tell whether the pid was handed out again since. Added by saveRecords.
   */
  pidCursor?: PidCursor;
}

/**
 * Every record of one records file answering to a name, from the store's key index alone (no line read),
 * in file order, as columns (thousands of recorded deaths of one name cost no object each); and a reader
 * for the lines of the few chosen among them.
 */
export interface NamedRecords {
  count: number;
  /** Byte offset of each one's line: `line(offset)` reads it. */
  offset: Float64Array;
  pid: Float64Array;
  startTime: Float64Array;
  /** Index into `boots`. */
  boot: Uint32Array;
  boots: readonly string[];
  /** When it died (cause time, else when it was seen), ms; NaN when the record gives no valid time. */
  timeMs: Float64Array;
  /** The line at `offset` (one of the records'), read now; null when it cannot be read. */
  line(offset: number): string | null;
}
