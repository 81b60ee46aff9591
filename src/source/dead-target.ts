/**
 * A process that is gone but named in some record (kernel log, journal, watch records, launch
 * registry): what `whydied <name>` diagnoses besides the live matches. Each record keeper provides a
 * finder; the composition root hands them to the diagnosis.
 */
import type { Facts } from './types';

export interface DeadTarget {
  pid: number;
  startTime: number | null;
  name: string;
  /** When it died (ms since the epoch), for newest-first ordering; null when unknown. */
  timeMs: number | null;
}

export type DeadTargetFinder = (name: string, facts: Facts) => DeadTarget[];
