/** One death as `whydied scan` lists it (its own file: scan.ts and the per-source builders share it). */
import type { CauseConfidence, CauseKind, CauseSource } from '../engine/types';

export interface ScanEntry {
  /** Wall-clock ms, null when the source gives no usable time. */
  timeMs: number | null;
  pid: number | null;
  /** comm, or the unit for unit-level journal results. */
  name: string;
  kind: CauseKind;
  signal?: string;
  exitCode?: number;
  /** One short phrase: `OOM kill`, `SIGKILL from bash (pid 12)`, `exit code 3`. */
  what: string;
  source: CauseSource;
  /** For records: which whydied tool wrote it (`whydied watch`, `whydied launch`, `whydied record`). */
  by?: string;
  /** A saved log's own stamp for the death, as written (`2024-04-29 14:55:41 +02:00`, `08-16 20:29:54`). */
  logTime?: string;
  /** printk's seconds-since-boot stamp, when the log has one. */
  uptimeSec?: number;
  /** OOM kills: whose limit ran out (`memcg`, `system`), or null when the log does not say. */
  scope?: 'memcg' | 'system' | null;
  confidence: CauseConfidence;
  /** Other sources that saw the same death. */
  alsoIn: CauseSource[];
}
