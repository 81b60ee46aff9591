/**
 * `whydied scan`: every death this host's evidence knows (kernel log, journal, whydied records), newest
 * first, one entry each. Reads only through Facts, so `--kmsg`/`--journal` saved logs and bundles work
 * the same way. A death seen by several sources is listed once, under the most direct one.
 */
import { CAUSE_SOURCE_INFO } from '../source/cause';
import type { CauseSource } from '../engine/types';
import type { Facts } from '../source/types';
import type { ScanEntry } from './entry';
import { readKernelLog } from '../source/kernel-log/read';
import { findDeaths, findMachineDeaths } from '../source/kernel-log/incidents';
import { describeMachineDeath } from '../source/kernel-log/describe';
import { findSuppressions, type Suppression } from '../source/kernel-log/suppressed';
import { notUnderstood, type NotUnderstood } from '../source/kernel-log/understood';
import { kernelEntry } from './kernel-entry';
import { deathEntry } from './death-entry';
import { isCleanExit } from '../source/death';
import { readJournalDeaths, type JournalDeath } from '../source/journal/deaths';
import { scanRecords } from '../source/records/store';
import { recordsDir } from '../source/records/records-dir';
import { keyed, mergeDeaths, unitsOfPath } from './merge';

export type { ScanEntry } from './entry';

export interface ScanResult {
  entries: ScanEntry[];
  /** Windows in which the kernel dropped crash lines (rate limit): deaths in them may be missing above. */
  dropped: Suppression[];
  /** What could not be read, one sentence each. */
  unreadable: string[];
  /** Kernel-log lines that look like death reports but that no parser could read. */
  notUnderstood: NotUnderstood;
  /** Kernel panics in the log: the machine died (in words, and its stamps), not one process. */
  machineDeaths: Array<{ timeMs: number | null; what: string; reason: string; oops: string | null }>;
}

function fromKernel(
  facts: Facts,
  out: ScanEntry[],
  unreadable: string[],
  dropped: Suppression[],
  lost: NotUnderstood,
  machines: ScanResult['machineDeaths'],
): void {
  if (facts.raw.savedLog && !facts.raw.savedLog('kernel')) {
    unreadable.push('kernel log: not given (--kmsg FILE)');
    return;
  }
  const log = readKernelLog(facts);
  unreadable.push(...log.unreadable.map((u) => `kernel log: ${u}`));
  dropped.push(...findSuppressions(log.records).filter((s) => s.boot === 'current'));
  Object.assign(lost, notUnderstood(log.records));
  for (const m of findMachineDeaths(log.records))
    machines.push({ timeMs: m.timeMs, what: describeMachineDeath(m), reason: m.reason, oops: m.oops });
  // The kernel's own line names pid, comm and time together: a direct account of that death. Its memory
  // cgroup names the units a unit-level line about the same kill would name.
  for (const d of findDeaths(log.records)) {
    const memcg = [d.details.taskMemcg, d.details.memcg].find((m): m is string => typeof m === 'string');
    out.push(keyed(kernelEntry(d), memcg ? unitsOfPath(memcg) : []));
  }
}

/** Scan's merge weight per journal line: the more direct account of a unit's death wins its merge group. */
const UNIT_WEIGHT: Partial<Record<JournalDeath['event']['type'], number>> = {
  'unit-oom': 1,
  'unit-oomd': 2,
  'oomd-kill': 3,
};

/** The journal's death reports: coredumps, earlyoom/systemd-oomd kills, and systemd unit results. */
function fromJournal(facts: Facts, out: ScanEntry[], unreadable: string[], sinceMs: number | null): void {
  const read = readJournalDeaths(facts, sinceMs);
  if (read.unreadable) unreadable.push(`journal: ${read.unreadable}`);
  for (const d of read.deaths) {
    const c = d.cause;
    // A clean exit is not a death worth listing; a unit's summary repeats a death its own line reports.
    if (d.summary || isCleanExit(c)) continue;
    const e = d.event;
    const units = e.type === 'oomd-kill' ? unitsOfPath(e.cgroup) : 'unit' in e && d.pid === null ? [e.unit] : null;
    const name = e.type === 'oomd-kill' ? (units?.[units.length - 1] ?? e.cgroup) : 'unit' in e ? e.unit : e.comm;
    const entry: ScanEntry = {
      timeMs: d.entry.timeMs,
      pid: d.pid,
      name,
      kind: c.kind,
      ...(c.signal ? { signal: c.signal } : {}),
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      what: d.what,
      source: 'journal',
      confidence: 'likely',
      alsoIn: [],
    };
    out.push(units ? keyed(entry, units, UNIT_WEIGHT[e.type] ?? 0) : entry);
  }
}

function fromRecords(facts: Facts, out: ScanEntry[], unreadable: string[]): void {
  // Saved logs of another machine carry no whydied records (this machine's would describe another host).
  if (facts.raw.savedLog) return;
  const where = recordsDir(facts);
  if (!where.ok) {
    unreadable.push('records: the replayed facts hold no whydied records directory');
    return;
  }
  const bootId = facts.host().bootId;
  for (const r of scanRecords(
    (p) => facts.raw.listDir(p),
    (p) => facts.text(p),
    where.dir,
    null,
  ).records) {
    // The recorder sees every exit on the machine: a clean exit 0 is not a death worth listing.
    if (isCleanExit(r.cause) || r.bootId !== bootId) continue;
    out.push(deathEntry(r));
  }
}

const RANK = Object.fromEntries(Object.entries(CAUSE_SOURCE_INFO).map(([k, v]) => [k, v.rank])) as Record<
  CauseSource,
  number
>;

export function scanDeaths(facts: Facts, sinceMs: number | null): ScanResult {
  const all: ScanEntry[] = [];
  const unreadable: string[] = [];
  const dropped: Suppression[] = [];
  const lost: NotUnderstood = { count: 0, examples: [] };
  const machineDeaths: ScanResult['machineDeaths'] = [];
  fromKernel(facts, all, unreadable, dropped, lost, machineDeaths);
  fromJournal(facts, all, unreadable, sinceMs);
  fromRecords(facts, all, unreadable);
  const entries = mergeDeaths(all, RANK).filter((e) => sinceMs === null || (e.timeMs !== null && e.timeMs >= sinceMs));
  // A window counts when its end is in range: its dropped lines came before the notice.
  return {
    entries,
    unreadable,
    notUnderstood: lost,
    machineDeaths: machineDeaths.filter((m) => sinceMs === null || m.timeMs === null || m.timeMs >= sinceMs),
    dropped: dropped.filter((d) => sinceMs === null || d.toMs === null || d.toMs >= sinceMs),
  };
}

/** `--since`: `90s`, `30m`, `2h`, `7d`, or an absolute date/time; ms since the epoch. Null when unparsable. */
export function parseSince(text: string, nowMs: number): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)$/.exec(text.trim());
  if (m) {
    const unit = { s: 1, sec: 1, m: 60, min: 60, h: 3600, d: 86400 }[m[2] as 's'] ?? 1;
    return nowMs - Number(m[1]) * unit * 1000;
  }
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}
