/**
 * How a process ended, in the words every source of that knowledge shares: the kernel log, the journal,
 * whydied's own records and watches all report a Cause, and the report carries the one the verdict
 * picked. Part of the published JSON contract (schema/report.schema.json); re-exported by engine/types.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type Evidence = { [key: string]: JsonValue };

export type CauseKind = 'oom-kill' | 'segfault' | 'trap' | 'signal' | 'exit' | 'unknown';
/** `systemd`: the service manager's own state of a unit (`systemctl show`: ExecMainPID, Result, ExecMainStatus). */
export type CauseSource = 'kernel-log' | 'journal' | 'systemd' | 'record' | 'watch' | 'plugin';

/**
 * The cause sources: `rank` decides which source's cause wins when several explain one death (direct
 * observation beats inference: the verdict and scan); `systemdAccount` marks systemd's two accounts of a
 * death (its journal lines, its manager's state), compared by how specific they are first.
 */
export const CAUSE_SOURCE_INFO: Readonly<Record<CauseSource, { rank: number; systemdAccount: boolean }>> = {
  watch: { rank: 6, systemdAccount: false },
  record: { rank: 5, systemdAccount: false },
  'kernel-log': { rank: 4, systemdAccount: false },
  journal: { rank: 3, systemdAccount: true },
  systemd: { rank: 2, systemdAccount: true },
  plugin: { rank: 1, systemdAccount: false },
};
/**
 * How sure the cause is (src/engine/confidence.ts): `confirmed` when a watch or a record of this very
 * process saw it; `likely` when a log entry's pid, name and time all agree with the target; `possible`
 * when fewer of them could be compared.
 */
export type CauseConfidence = 'confirmed' | 'likely' | 'possible';

export interface Cause {
  kind: CauseKind;
  signal?: string;
  exitCode?: number;
  sender?: { pid: number; comm: string; uid?: number };
  /** ISO 8601. */
  time?: string;
  source: CauseSource;
  /** Set on the verdict's cause (and the findings' causes) after the checks ran. */
  confidence?: CauseConfidence;
  details?: Evidence;
}
