/** One recorded Death (watch, record, launch, run) as a `whydied scan` entry: a view, nothing re-derived. */
import type { DeathRecord } from '../source/records/types';
import { causeParts } from '../engine/describe-cause';
import type { ScanEntry } from './entry';

export function deathEntry(d: DeathRecord): ScanEntry {
  const c = d.cause;
  const t = Date.parse(c.time ?? d.seenAt);
  return {
    timeMs: Number.isFinite(t) ? t : null,
    pid: d.pid,
    name: d.comm,
    kind: c.kind,
    ...(c.signal ? { signal: c.signal } : {}),
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    // The report's cause line in scan's one field (its parts joined by spaces: scan's fields are split by ' · ').
    what: causeParts(c).join(' '),
    source: 'record',
    by: d.launch ? 'whydied launch' : c.source === 'watch' ? 'whydied watch' : 'whydied record',
    confidence: c.kind === 'unknown' ? 'possible' : 'confirmed',
    alsoIn: [],
  };
}
