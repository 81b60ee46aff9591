/**
 * Pid reuse without a known start time. `whydied 4242` after 4242 died knows no start time for the target,
 * so "a death of pid 4242" could be any earlier holder's. Each postmortem source then attributes a death only
 * when no other source shows a later holder of that pid on this boot: a watch record of a process that
 * started after the kernel-log death, or a kernel-log death after the watch record's end. Pure over ctx.facts.
 */
import type { Facts } from '../types';
import type { Cause } from '../cause';
import type { DeathRecord } from './types';
import { findDeaths } from '../kernel-log/incidents';
import { readKernelLog } from '../kernel-log/read';
import { recordsDir } from './records-dir';
import { recordNeedles, scanRecords } from './store';

/** The newest record of `pid` on this boot (greatest start time), or null. */
function newestRecordOf(facts: Facts, pid: number): DeathRecord | null {
  const where = recordsDir(facts);
  if (!where.ok) return null;
  const bootId = facts.host().bootId;
  let best: DeathRecord | null = null;
  const list = (p: string) => facts.raw.listDir(p);
  const text = (p: string) => facts.text(p);
  for (const r of scanRecords(list, text, where.dir, recordNeedles(pid, null)).records) {
    if (r.pid !== pid || r.bootId !== bootId) continue;
    if (best === null || r.startTime > best.startTime) best = r;
  }
  return best;
}

/** Wall-clock ms at which the newest recorded holder of `pid` on this boot started, or null. */
export function latestRecordedStartMs(facts: Facts, pid: number): number | null {
  const r = newestRecordOf(facts, pid);
  if (r === null) return null;
  const h = facts.host();
  return Math.round((h.bootTime + r.startTime / h.clockTicks) * 1000);
}

/** Wall-clock ms of the newest kernel-log death of `pid`, or null. */
export function latestKernelDeathMs(facts: Facts, pid: number): number | null {
  const d = findDeaths(readKernelLog(facts).records, { pid }).find((x) => x.boot === 'current' && x.timeMs !== null);
  return d?.timeMs ?? null;
}

/** How the newest recorded holder of `pid` on this boot ended, or null when no record names it. */
export function latestRecordedCause(facts: Facts, pid: number): Cause | null {
  return newestRecordOf(facts, pid)?.cause ?? null;
}
