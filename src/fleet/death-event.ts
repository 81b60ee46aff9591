/**
 * A death (src/source/death.ts) as the fleet outputs publish it: `whydied.death/1`
 * (schema/death.schema.json), one flat-ish JSON object per death, the same for JSON lines, the --on-death hook's stdin and the journal's fields.
 * Pure: a record and the host in, an object out. Strings are process data (hostile): JSON escapes them;
 * consumers must not interpret them.
 */
import type { DeathRecord } from '../source/records/types';
import type { ContainerIdentity } from '../source/container-id';
import { mechanismOf, type RecordIdentity } from '../source/death';

const DEATH_SCHEMA = 'whydied.death/1';

/**
 * Who died is the Death's identity as it is (startTime -1: unknown), its boot id under `host`; how is its
 * Cause, flattened: every field present, null when unknown.
 */
export interface DeathEvent extends Omit<RecordIdentity, 'bootId'> {
  schema: typeof DEATH_SCHEMA;
  /** ISO 8601, when the death was seen. */
  time: string;
  host: { hostname: string; bootId: string };
  cause: {
    kind: string;
    signal: string | null;
    exitCode: number | null;
    sender: { pid: number; comm: string; uid: number | null } | null;
    /** kill, group-kill, fault, kernel, oom-kill... (what the watcher/recorder established); null unknown. */
    mechanism: string | null;
    groupDirected: boolean | null;
    source: string;
  };
  container: ContainerIdentity | null;
  /** NSpid (outermost first) and the pid as seen inside its own PID namespace; null when not read. */
  pidNamespace: { nsPid: number[]; pidInside: number } | null;
  /** Set by `whydied run`: the supervised command's peak RSS and its memory cgroup's OOM-kill delta. */
  run: { peakRssKb: number | null; oomKillDelta: number | null } | null;
}

export function toDeathEvent(rec: DeathRecord, host: { hostname: string; bootId: string }): DeathEvent {
  const c = rec.cause;
  const d = c.details ?? {};
  const mechanism = mechanismOf(c);
  const isRun = d.run === true;
  return {
    schema: DEATH_SCHEMA,
    time: rec.seenAt,
    host: { hostname: host.hostname, bootId: rec.bootId || host.bootId },
    pid: rec.pid,
    startTime: rec.startTime,
    comm: rec.comm,
    argvHead: rec.argvHead,
    ppid: rec.ppid,
    pgid: rec.pgid,
    sid: rec.sid,
    tty: rec.tty,
    cgroup: rec.cgroup,
    cause: {
      kind: c.kind,
      signal: c.signal ?? null,
      exitCode: c.exitCode ?? null,
      sender: c.sender ? { pid: c.sender.pid, comm: c.sender.comm, uid: c.sender.uid ?? null } : null,
      mechanism,
      groupDirected: typeof d.groupDirected === 'boolean' ? d.groupDirected : null,
      source: c.source,
    },
    container: rec.container ?? null,
    pidNamespace:
      rec.nsPid && rec.nsPid.length > 0 ? { nsPid: rec.nsPid, pidInside: rec.nsPid[rec.nsPid.length - 1] } : null,
    run: isRun
      ? {
          peakRssKb: typeof d.peakRssKb === 'number' ? d.peakRssKb : null,
          oomKillDelta: typeof d.oomKillDelta === 'number' ? d.oomKillDelta : null,
        }
      : null,
  };
}
