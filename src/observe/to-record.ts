import type { DeathRecord } from '../source/records/types';
import type { WatchResult } from './types';

/** The record to save for a watch result: only when the process was seen alive and its death established. */
export function toDeathRecord(r: WatchResult): DeathRecord | null {
  return r.death ? { v: 1, ...r.death } : null;
}
