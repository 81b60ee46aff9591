/** Is a parsed JSON line a death record (v1)? A torn or foreign line is not, and is skipped by every reader. */
import type { DeathRecord } from './types';

export function isRecord(v: unknown): v is DeathRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    r.v === 1 &&
    typeof r.pid === 'number' &&
    typeof r.startTime === 'number' &&
    typeof r.bootId === 'string' &&
    typeof r.comm === 'string' &&
    typeof r.cause === 'object' &&
    r.cause !== null &&
    typeof r.seenAt === 'string'
  );
}
