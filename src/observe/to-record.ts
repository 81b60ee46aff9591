import type { DeathRecord } from '../source/records/types';
import type { WatchResult } from './types';

/** The record to save for a watch result: only when the process was seen alive and its cause established. */
export function toDeathRecord(r: WatchResult): DeathRecord | null {
  if (!r.identity || !r.cause) return null;
  return { v: 1, ...r.identity, cause: r.cause, seenAt: r.endedAt ?? new Date().toISOString() };
}
