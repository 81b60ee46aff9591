/**
 * A DeadTargetFinder (src/source/dead-target.ts) over the watch records, so `whydied <name>` finds a
 * process that died while watched or recorded.
 */
import * as path from 'path';
import type { Facts } from '../source/types';
import type { DeadTarget, DeadTargetFinder } from '../source/dead-target';
import type { NamedRecords } from '../source/records/types';
import { recordMatchesName } from '../source/records/record-name';
import { parsedLine, recordNeedles, ROTATED_FILE, RECORDS_FILE, scanRecords } from '../source/records/store';
import { recordsDir } from '../source/records/records-dir';

export const recordDeadTargets: DeadTargetFinder = (name, facts) => {
  const where = recordsDir(facts);
  if (!where.ok) return [];
  return fromIndex(name, facts, where.dir) ?? fromLines(name, facts, where.dir);
};

/**
 * From the store's key index: every recorded death of the name on this boot, without reading a line. A
 * recorder can leave thousands of deaths of `sleep`; the diagnosis keeps the newest few and counts the rest,
 * so only the kept targets' names (their comm, which may differ from the name asked: argv[0], launch name)
 * are read, when first asked for. Null when a file has no usable index (bundles, captures): read the lines.
 */
function fromIndex(name: string, facts: Facts, dir: string): DeadTarget[] | null {
  const ask = facts.raw.recordsNamed;
  const listed = facts.raw.listDir(dir);
  if (!ask || !listed.ok) return null;
  const bootId = facts.host().bootId;
  const out: DeadTarget[] = [];
  for (const file of [ROTATED_FILE, RECORDS_FILE]) {
    if (!listed.value.includes(file)) continue;
    const named = ask(path.join(dir, file), name);
    if (named === null) return null;
    const thisBoot = named.boots.indexOf(bootId);
    if (thisBoot < 0) continue;
    for (let i = 0; i < named.count; i++) {
      if (named.boot[i] !== thisBoot) continue;
      const t = named.timeMs[i];
      out.push(
        new IndexedTarget(
          named.pid[i],
          named.startTime[i],
          Number.isFinite(t) ? t : null,
          named,
          named.offset[i],
          name,
        ),
      );
    }
  }
  return out;
}

/**
 * A recorded death whose name (the record's comm) is read only when asked for: by then the diagnosis has
 * kept it among the newest. A class, so thousands of them cost what plain objects cost.
 */
class IndexedTarget implements DeadTarget {
  private comm: string | null = null;
  constructor(
    readonly pid: number,
    readonly startTime: number,
    readonly timeMs: number | null,
    private readonly named: NamedRecords,
    private readonly offset: number,
    private readonly asked: string,
  ) {}

  get name(): string {
    if (this.comm === null) {
      const line = this.named.line(this.offset);
      this.comm = (line === null ? null : parsedLine(line))?.comm ?? this.asked;
    }
    return this.comm;
  }
}

/** From the records' lines (a bundle, or a store whose index cannot be read). */
function fromLines(name: string, facts: Facts, dir: string): DeadTarget[] {
  const bootId = facts.host().bootId;
  const out: DeadTarget[] = [];
  const probe = (file: string) => facts.raw.recordsProbe?.(file, null, name) ?? null;
  for (const r of scanRecords(
    (p) => facts.raw.listDir(p),
    (p) => facts.text(p),
    dir,
    recordNeedles(null, name),
    probe,
  ).records) {
    if (r.bootId !== bootId) continue;
    if (!recordMatchesName(r, name)) continue;
    const t = Date.parse(r.cause.time ?? r.seenAt);
    out.push({ pid: r.pid, startTime: r.startTime, name: r.comm, timeMs: Number.isFinite(t) ? t : null });
  }
  return out;
}
