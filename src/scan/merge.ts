/**
 * One death per event. A kernel OOM kill in a unit is told by the kernel (the pid), by systemd for the unit
 * (`A process of this unit has been killed by the OOM killer`, `Main process exited, code=killed`) and, on
 * cgroup v2, for every slice above it (memory.events is hierarchical: systemd 252 unit_check_oom logs each
 * unit whose oom_kill count grew). A systemd-oomd kill is told by oomd (the cgroup) and by the manager
 * (`systemd-oomd killed N process(es) in this unit`, the main process's exit). Entries within a few seconds
 * of each other are one death when they share a pid, or when a pid-less (unit-level) one names a unit on the
 * other's cgroup path; the most direct source keeps it, and within a source the most specific account.
 */
import type { CauseSource } from '../engine/types';
/** The fields of a scan entry the merge reads (scan.ts's ScanEntry; not imported: scan.ts imports this file). */
interface ScanEntry {
  timeMs: number | null;
  pid: number | null;
  name: string;
  source: CauseSource;
  alsoIn: CauseSource[];
}

/** What an entry knows beyond its printed fields: the units on its cgroup path, and how specific it is. */
interface MergeKey {
  units: readonly string[];
  weight: number;
}

const keys = new WeakMap<ScanEntry, MergeKey>();

/** Attach the units (the entry's own unit, or every unit of its cgroup path) and its weight within its source. */
export function keyed<E extends ScanEntry>(e: E, units: readonly string[], weight = 0): E {
  keys.set(e, { units, weight });
  return e;
}

/** Every unit named by a cgroup path (`/system.slice/demo.service/x` -> system.slice, demo.service). */
export function unitsOfPath(path: string): string[] {
  return path.split('/').filter((c) => /^[A-Za-z0-9:_.@\\-]+\.(service|scope|slice)$/.test(c));
}

const WINDOW_MS = 5000;
const keyOf = (e: ScanEntry): MergeKey => keys.get(e) ?? { units: e.pid === null ? [e.name] : [], weight: 0 };

/** A pid-less entry's unit lies on the other's cgroup path (or is the other's unit). */
function unitCovers(unitLevel: ScanEntry, other: ScanEntry): boolean {
  if (unitLevel.pid !== null) return false;
  const own = keyOf(unitLevel).units;
  const leaf = own[own.length - 1];
  return leaf !== undefined && keyOf(other).units.includes(leaf);
}

function sameDeath(a: ScanEntry, b: ScanEntry): boolean {
  if (a.timeMs === null || b.timeMs === null || Math.abs(a.timeMs - b.timeMs) >= WINDOW_MS) return false;
  if (a.pid !== null && b.pid !== null) return a.pid === b.pid;
  return unitCovers(a, b) || unitCovers(b, a);
}

export function mergeDeaths<E extends ScanEntry>(entries: readonly E[], rank: Record<CauseSource, number>): E[] {
  const sorted = [...entries].sort((a, b) => rank[b.source] - rank[a.source] || keyOf(b).weight - keyOf(a).weight);
  const kept: E[] = [];
  for (const e of sorted) {
    const same = kept.find((k) => sameDeath(k, e));
    if (same) {
      if (!same.alsoIn.includes(e.source) && same.source !== e.source) same.alsoIn.push(e.source);
      // A unit-level account covering the kept one may add the units it names (a slice's line after its service).
      const k = keyOf(same);
      const extra = keyOf(e).units.filter((u) => !k.units.includes(u));
      if (extra.length > 0) keys.set(same, { ...k, units: [...k.units, ...extra] });
    } else kept.push(e);
  }
  return kept.sort((a, b) => (b.timeMs ?? -Infinity) - (a.timeMs ?? -Infinity));
}
