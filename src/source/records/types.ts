import type { Cause } from '../cause';
import type { ContainerIdentity } from '../container-id';

/** Who the process was, read while it was alive (watch start, or recorder at exit time). */
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

/** One line of records.jsonl. */
export interface DeathRecord extends RecordIdentity {
  v: 1;
  cause: Cause;
  /** ISO 8601: when the recorder/watcher saw the death. */
  seenAt: string;
  /** Written by the launch sentinel: the name the user gave (`whydied launch --name`) and the log path. */
  launch?: { name: string; log: string };
  /** Container the process ran in (from its cgroup path), when it was one; added by the fleet outputs. */
  container?: ContainerIdentity | null;
  /** NSpid: its pid in each nested PID namespace, outermost first (the last one is the pid seen inside). */
  nsPid?: number[] | null;
}
