/**
 * Ask journalctl (through the RawSource, so bundles replay it) about one pid: the units it ran in,
 * those units' results, and coredump / earlyoom / systemd-oomd entries naming it.
 */
import type { Facts, Read } from '../types';
import { journalEvent, parseJournal, type JournalEntry, type JournalEvent } from './parse';

const TIMEOUT_MS = 10000;
const BASE = ['journalctl', '-o', 'json', '-q', '--no-pager', '-b', '0'];

export interface JournalSearch {
  /** False when journalctl is missing or the journal cannot be read (`why` says which). */
  available: boolean;
  why: string | null;
  units: string[];
  events: Array<{ event: JournalEvent; entry: JournalEntry }>;
  queries: string[][];
}

const JOURNAL_DIRS = ['/run/log/journal', '/var/log/journal'];

/**
 * journalctl may be installed without journald running (containers, minimal VMs): it then prints
 * "No journal files were found." and exits 0. Tell that apart from an empty result by looking for
 * journal directories with something in them. Null when files exist or we cannot tell (bundles).
 */
function journalFilesMissing(facts: Facts): string | null {
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
 * matches, in JS. `-u U` matches the unit's own processes and the manager's messages about it.
 */
function savedMatch(e: JournalEntry, args: readonly string[]): boolean {
  if (args[0] === '-u') return e.unit === args[1] || e.fields._SYSTEMD_UNIT === args[1] || e.fields.UNIT === args[1];
  const alternatives = args.filter((a) => a !== '+');
  return alternatives.some((a) => {
    const [k, v] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    if (k === '_PID') return e.pid !== null && String(e.pid) === v;
    if (k === 'SYSLOG_IDENTIFIER') return e.identifier === v;
    return e.fields[k] === v;
  });
}

const savedEntries = new WeakMap<Facts, JournalEntry[]>();

function run(facts: Facts, args: string[], queries: string[][]): Read<JournalEntry[]> {
  const argv = [...BASE, ...args];
  queries.push(argv);
  const saved = facts.raw.savedLog?.('journal') ?? null;
  if (saved) {
    let all = savedEntries.get(facts);
    if (!all) savedEntries.set(facts, (all = parseJournal(saved.text)));
    return { ok: true, value: all.filter((e) => savedMatch(e, args)) };
  }
  const r = facts.raw.command(argv, TIMEOUT_MS);
  return r.ok ? { ok: true, value: parseJournal(r.value) } : r;
}

/** Journal evidence for `pid`; `units` adds units already known (e.g. from the live cgroup). */
export function searchJournal(facts: Facts, pid: number, knownUnits: readonly string[] = []): JournalSearch {
  const queries: string[][] = [];
  const noFiles = facts.raw.savedLog?.('journal') ? null : journalFilesMissing(facts);
  if (noFiles) return { available: false, why: noFiles, units: [], events: [], queries };
  const own = run(facts, [`_PID=${pid}`], queries);
  if (!own.ok) {
    const why = own.code === 'ENOENT' ? 'journalctl is not installed (no systemd journal on this machine)' : `journalctl failed: ${own.message}`;
    return { available: false, why, units: [], events: [], queries };
  }
  const units = [...new Set([...knownUnits, ...own.value.map((e) => e.fields._SYSTEMD_UNIT ?? e.fields._SYSTEMD_USER_UNIT).filter((u): u is string => !!u)])];
  const entries: JournalEntry[] = [];
  // A unit's own result lines (from its manager): only for service units, not slices or sessions.
  for (const unit of units.filter((u) => u.endsWith('.service')).slice(0, 4)) {
    const r = run(facts, ['-u', unit], queries);
    if (r.ok) entries.push(...r.value);
  }
  const dumps = run(facts, [`COREDUMP_PID=${pid}`], queries);
  if (dumps.ok) entries.push(...dumps.value);
  const killers = run(facts, ['SYSLOG_IDENTIFIER=earlyoom', '+', 'SYSLOG_IDENTIFIER=systemd-oomd'], queries);
  if (killers.ok) entries.push(...killers.value);
  const events: JournalSearch['events'] = [];
  for (const entry of entries) {
    const event = journalEvent(entry);
    if (!event) continue;
    if ((event.type === 'coredump' || event.type === 'earlyoom-kill') && event.pid !== pid) continue;
    if ((event.type === 'unit-exit' || event.type === 'unit-failed' || event.type === 'unit-oom') && !units.includes(event.unit)) continue;
    events.push({ event, entry });
  }
  events.sort((a, b) => (a.entry.timeMs ?? 0) - (b.entry.timeMs ?? 0));
  return { available: true, why: null, units, events, queries };
}
