/**
 * Ask journalctl (through the RawSource, so bundles replay it) about one pid: the units it ran in,
 * those units' results, and coredump / earlyoom / systemd-oomd entries naming it.
 *
 * Every query is bounded so it stays fast on a large journal: this boot only (`-b 0`), from the
 * process's start when known (`--since=@SECONDS`), by an indexed field (`_PID=`, `UNIT=`,
 * `COREDUMP_PID=`, `SYSLOG_IDENTIFIER=`), newest `-n` entries, and only the fields we parse
 * (`--output-fields`), so a coredump entry's multi-kilobyte maps and stack never cross the pipe.
 * Figures: BENCHMARKS.md (bench/journal-query.sh).
 */
import type { Facts, Read } from '../types';
import { journalEvent, parseJournal, type JournalEntry, type JournalEvent } from './parse';

const TIMEOUT_MS = 10000;
const FIELDS = [
  'MESSAGE',
  '_PID',
  '_COMM',
  'SYSLOG_IDENTIFIER',
  '_BOOT_ID',
  'UNIT',
  'USER_UNIT',
  '_SYSTEMD_UNIT',
  '_SYSTEMD_USER_UNIT',
  'COREDUMP_PID',
  'COREDUMP_COMM',
  'COREDUMP_SIGNAL_NAME',
  'COREDUMP_SIGNAL',
  'COREDUMP_UID',
  'COREDUMP_UNIT',
  'EXIT_CODE',
  'EXIT_STATUS',
  'SESSION_ID',
].join(',');
const BASE = ['journalctl', '-o', 'json', `--output-fields=${FIELDS}`, '-q', '--no-pager', '-b', '0'];

export interface JournalSearch {
  /** False when journalctl is missing or the journal cannot be read (`why` says which). */
  available: boolean;
  why: string | null;
  units: string[];
  events: Array<{ event: JournalEvent; entry: JournalEntry }>;
  queries: string[][];
  /** Wall-clock ms of the pid's newest own line: it was alive then (null when it logged nothing). */
  lastOwnMs: number | null;
}

const JOURNAL_DIRS = ['/run/log/journal', '/var/log/journal'];

/**
 * journalctl may be installed without journald running (containers, minimal VMs): it then prints
 * "No journal files were found." and exits 0. Tell that apart from an empty result by looking for
 * journal directories with something in them. Null when files exist or we cannot tell (bundles).
 */
export function journalFilesMissing(facts: Facts): string | null {
  let known = true;
  for (const dir of JOURNAL_DIRS) {
    const r = facts.raw.listDir(dir);
    if (r.ok && r.value.length > 0) return null;
    if (!r.ok && r.code !== 'ENOENT') known = false;
  }
  return known ? `no journal files in ${JOURNAL_DIRS.join(' or ')} (journald is not running on this machine)` : null;
}

/**
 * The same queries answered from a saved `journalctl -o json` export (--journal FILE): journalctl's
 * matches, in JS (`A + B` means either).
 */
function savedMatch(e: JournalEntry, match: readonly string[]): boolean {
  const alternatives = match.filter((a) => a !== '+');
  return alternatives.some((a) => {
    const [k, v] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    if (k === '_PID') return e.pid !== null && String(e.pid) === v;
    if (k === 'SYSLOG_IDENTIFIER') return e.identifier === v;
    return e.fields[k] === v;
  });
}

const savedEntries = new WeakMap<Facts, JournalEntry[]>();

/** A saved export answers with the same bounds journalctl would apply: since then, the newest `limit`. */
function fromSaved(facts: Facts, text: string, match: readonly string[], bounds: Bounds): JournalEntry[] {
  let all = savedEntries.get(facts);
  if (!all) savedEntries.set(facts, (all = parseJournal(text)));
  const hits = all.filter(
    (e) => savedMatch(e, match) && (bounds.sinceMs === null || e.timeMs === null || e.timeMs >= bounds.sinceMs - 1000),
  );
  return hits.slice(-bounds.limit);
}

// One spawn per distinct query per diagnosis: the journal check and the systemd-unit check ask the same things.
const memo = new WeakMap<Facts, Map<string, Read<JournalEntry[]>>>();

/** Bounds for one query: since when (ms since the epoch; null = the whole boot) and at most how many entries. */
export interface Bounds {
  sinceMs: number | null;
  limit: number;
}

export function queryJournal(
  facts: Facts,
  match: string[],
  bounds: Bounds,
  queries?: string[][],
): Read<JournalEntry[]> {
  const since = bounds.sinceMs === null ? [] : [`--since=@${Math.max(0, Math.floor(bounds.sinceMs / 1000) - 1)}`];
  const argv = [...BASE, ...since, '-n', String(bounds.limit), ...match];
  queries?.push(argv);
  let m = memo.get(facts);
  if (!m) memo.set(facts, (m = new Map()));
  const key = argv.join('\0');
  const hit = m.get(key);
  if (hit) return hit;
  const saved = facts.raw.savedLog?.('journal') ?? null;
  if (saved) {
    const value: Read<JournalEntry[]> = { ok: true, value: fromSaved(facts, saved.text, match, bounds) };
    m.set(key, value);
    return value;
  }
  const r = facts.raw.command(argv, TIMEOUT_MS);
  const out: Read<JournalEntry[]> = r.ok ? { ok: true, value: parseJournal(r.value) } : r;
  m.set(key, out);
  return out;
}

/** Units named by the pid's own log lines (the cgroup journald saw it in). */
export function unitsOfEntries(entries: readonly JournalEntry[]): string[] {
  return [
    ...new Set(
      // The system unit first (the system manager is asked about it); a user manager's unit (user@UID.service
      // holds it) names where its results are logged.
      entries.flatMap((e) => [e.fields._SYSTEMD_UNIT, e.fields._SYSTEMD_USER_UNIT]).filter((u): u is string => !!u),
    ),
  ];
}

/** The pid's own lines (newest 50 since it started): how a dead pid's unit is found from the journal. */
export function ownLines(
  facts: Facts,
  pid: number,
  sinceMs: number | null,
  queries?: string[][],
): Read<JournalEntry[]> {
  return queryJournal(facts, [`_PID=${pid}`], { sinceMs, limit: 50 }, queries);
}

/** The oomd cgroup path names one of these units (`.../demo.service` or below it). */
function oomdHits(cgroup: string, units: readonly string[]): boolean {
  return units.some((u) => cgroup.endsWith(`/${u}`) || cgroup.includes(`/${u}/`));
}

/** Journal evidence for `pid`; `units` adds units already known (e.g. from the live cgroup). */
export function searchJournal(
  facts: Facts,
  pid: number,
  knownUnits: readonly string[] = [],
  sinceMs: number | null = null,
): JournalSearch {
  const queries: string[][] = [];
  const noFiles = facts.raw.savedLog?.('journal') ? null : journalFilesMissing(facts);
  if (noFiles) return { available: false, why: noFiles, units: [], events: [], queries, lastOwnMs: null };
  const own = ownLines(facts, pid, sinceMs, queries);
  if (!own.ok) {
    const why =
      own.code === 'ENOENT'
        ? 'journalctl is not installed (no systemd journal on this machine)'
        : `journalctl failed: ${own.message}`;
    return { available: false, why, units: [], events: [], queries, lastOwnMs: null };
  }
  const units = [...new Set([...knownUnits, ...unitsOfEntries(own.value)])];
  const entries: JournalEntry[] = [];
  // A unit's result lines come from its manager with UNIT= (system) or USER_UNIT= (user manager): only
  // service units (not slices or sessions), and only the newest few, not the unit's own chatter (-u would).
  for (const unit of units.filter((u) => u.endsWith('.service')).slice(0, 4)) {
    const r = queryJournal(facts, [`UNIT=${unit}`, '+', `USER_UNIT=${unit}`], { sinceMs, limit: 20 }, queries);
    if (r.ok) entries.push(...r.value);
  }
  const dumps = queryJournal(facts, [`COREDUMP_PID=${pid}`], { sinceMs, limit: 5 }, queries);
  if (dumps.ok) entries.push(...dumps.value);
  const killers = queryJournal(
    facts,
    ['SYSLOG_IDENTIFIER=earlyoom', '+', 'SYSLOG_IDENTIFIER=systemd-oomd'],
    { sinceMs, limit: 100 },
    queries,
  );
  if (killers.ok) entries.push(...killers.value);
  const events: JournalSearch['events'] = [];
  for (const entry of entries) {
    const event = journalEvent(entry);
    if (!event) continue;
    if ((event.type === 'coredump' || event.type === 'earlyoom-kill') && event.pid !== pid) continue;
    if (
      (event.type === 'unit-exit' ||
        event.type === 'unit-failed' ||
        event.type === 'unit-oom' ||
        event.type === 'unit-oomd') &&
      !units.includes(event.unit)
    )
      continue;
    // systemd-oomd names a cgroup, not a pid: it is about this process only when that cgroup holds one of its units.
    if (event.type === 'oomd-kill' && !oomdHits(event.cgroup, units)) continue;
    events.push({ event, entry });
  }
  events.sort((a, b) => (a.entry.timeMs ?? 0) - (b.entry.timeMs ?? 0));
  const stamps = own.value.map((e) => e.timeMs).filter((t): t is number => t !== null);
  return { available: true, why: null, units, events, queries, lastOwnMs: stamps.length ? Math.max(...stamps) : null };
}
