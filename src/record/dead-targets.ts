/**
 * A DeadTargetFinder (src/engine/diagnose-core.ts) over the watch records, so `whydied <name>` finds a
 * process that died while watched. The lead appends it to src/engine/dead-targets.ts.
 */
import type { DeadTarget, DeadTargetFinder } from '../source/dead-target';
import { recordMatchesName } from '../source/records/record-name';
import { recordNeedles, scanRecords } from '../source/records/store';
import { recordsDir } from '../source/records/records-dir';

export const recordDeadTargets: DeadTargetFinder = (name, facts) => {
  const bootId = facts.host().bootId;
  const out: DeadTarget[] = [];
  const where = recordsDir(facts);
  if (!where.ok) return out;
  const probe = (file: string) => facts.raw.recordsProbe?.(file, null, name) ?? null;
  for (const r of scanRecords(
    (p) => facts.raw.listDir(p),
    (p) => facts.text(p),
    where.dir,
    recordNeedles(null, name),
    probe,
  ).records) {
    if (r.bootId !== bootId) continue;
    if (!recordMatchesName(r, name)) continue;
    const t = Date.parse(r.cause.time ?? r.seenAt);
    out.push({ pid: r.pid, startTime: r.startTime, name: r.comm, timeMs: Number.isFinite(t) ? t : null });
  }
  return out;
};
