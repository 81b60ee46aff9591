/**
 * Dead processes by name from the kernel log, for `whydied <name>` when nothing alive matches
 * (and after the live matches when something does). The kernel log does not record start times.
 */
import type { Facts } from '../types';
import { findDeaths } from './incidents';
import { readKernelLog } from './read';

export interface DeadByName {
  pid: number;
  /** Unknown from the kernel log (it prints no start time). */
  startTime: number | null;
  /** The kernel's comm for that process. */
  name: string;
  timeMs: number | null;
}

/** Deaths of processes called `name` (comm, compared on 15 characters), newest first, one per pid+time. */
export function findDeadByName(name: string, facts: Facts): DeadByName[] {
  if (name === '') return [];
  const log = readKernelLog(facts);
  const out: DeadByName[] = [];
  const seen = new Set<string>();
  for (const d of findDeaths(log.records, { name })) {
    const key = `${d.boot}/${d.pid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pid: d.pid, startTime: null, name: d.comm, timeMs: d.timeMs });
  }
  return out;
}
