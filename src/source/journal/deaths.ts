/**
 * A death from the journal, one way for every reader: the journal check (one pid) and `whydied scan`
 * (every death this boot) both map a journal event to a Cause here, and read the host's journal deaths
 * through one bounded query (this boot, `--since`, the killers' identifiers and the manager's own lines,
 * the newest JOURNAL_DEATHS_LIMIT entries, only the parsed fields; src/source/journal/read.ts).
 */
import type { Cause } from '../cause';
import type { Facts } from '../types';
import { journalEvent, type JournalEntry, type JournalEvent } from './parse';
import { journalFilesMissing, queryJournal } from './read';

export interface JournalDeath {
  event: JournalEvent;
  entry: JournalEntry;
  cause: Cause;
  /** One short phrase (scan's `what`): `SIGKILL from earlyoom`, `main process exit code 3`. */
  what: string;
  /** The process it names, or null for a unit-level line (a unit result, an oomd kill of a cgroup). */
  pid: number | null;
  /** A unit's summary of a death another line reports first ("Failed with result 'oom-kill'"). */
  summary: boolean;
}

const iso = (ms: number | null): { time?: string } => (ms === null ? {} : { time: new Date(ms).toISOString() });

/** The death one journal event establishes; null for events that only add context. */
export function journalDeath(x: { event: JournalEvent; entry: JournalEntry }): JournalDeath | null {
  const e = x.event;
  const t = iso(x.entry.timeMs);
  const death = (cause: Cause, what: string, pid: number | null, summary = false): JournalDeath => ({
    ...x,
    cause,
    what,
    pid,
    summary,
  });
  switch (e.type) {
    case 'coredump':
      return death(
        {
          kind: e.signal === 'SIGSEGV' ? 'segfault' : 'signal',
          ...(e.signal ? { signal: e.signal } : {}),
          ...t,
          source: 'journal',
          details: { coredump: true, comm: e.comm, uid: e.uid },
        },
        `${e.signal ?? 'a signal'} (core dumped)`,
        e.pid,
      );
    case 'earlyoom-kill':
      return death(
        {
          kind: 'signal',
          signal: e.signal,
          ...t,
          source: 'journal',
          sender: { pid: x.entry.pid ?? 0, comm: 'earlyoom' },
          details: { killer: 'earlyoom' },
        },
        `${e.signal} from earlyoom`,
        e.pid,
      );
    case 'unit-oom':
      return death(
        { kind: 'oom-kill', signal: 'SIGKILL', ...t, source: 'journal', details: { unit: e.unit } },
        'OOM kill in the unit (systemd)',
        null,
      );
    case 'unit-exit': {
      const sig = e.statusName ? `SIG${e.statusName}` : undefined;
      if (e.code === 'exited')
        return death(
          {
            kind: 'exit',
            ...(e.status !== null ? { exitCode: e.status } : {}),
            ...t,
            source: 'journal',
            details: { unit: e.unit },
          },
          `main process exit code ${e.status ?? '?'}`,
          null,
        );
      return death(
        {
          kind: 'signal',
          ...(sig ? { signal: sig } : {}),
          ...t,
          source: 'journal',
          details: { unit: e.unit, code: e.code },
        },
        `main process ${e.code} by ${sig ?? 'a signal'}`,
        null,
      );
    }
    case 'unit-failed':
      // On cgroup v2 systemd gives Result=oom-kill for the kernel's OOM kills and for systemd-oomd's alike.
      return e.result === 'oom-kill'
        ? death(
            {
              kind: 'oom-kill',
              signal: 'SIGKILL',
              ...t,
              source: 'journal',
              details: { unit: e.unit, result: e.result },
            },
            "the unit failed with result 'oom-kill'",
            null,
            true,
          )
        : null;
    case 'unit-oomd':
      return death(
        {
          kind: 'oom-kill',
          signal: 'SIGKILL',
          ...t,
          source: 'journal',
          sender: { pid: 0, comm: 'systemd-oomd' },
          details: { unit: e.unit, killer: 'systemd-oomd', processes: e.processes },
        },
        `SIGKILL from systemd-oomd (${e.processes} process(es))`,
        null,
      );
    case 'oomd-kill': {
      const why =
        e.reason === 'swap'
          ? 'swap use'
          : e.watched !== undefined
            ? `memory pressure ${e.pressurePct}% > ${e.limitPct}% for ${e.watched}`
            : 'memory pressure';
      return death(
        {
          kind: 'oom-kill',
          signal: 'SIGKILL',
          ...t,
          source: 'journal',
          sender: { pid: x.entry.pid ?? 0, comm: 'systemd-oomd' },
          details: {
            killer: 'systemd-oomd',
            cgroup: e.cgroup,
            reason: e.reason ?? null,
            watched: e.watched ?? null,
            pressurePct: e.pressurePct ?? null,
            limitPct: e.limitPct ?? null,
          },
        },
        `SIGKILL from systemd-oomd (${why})`,
        null,
      );
    }
  }
}

/** At most this many journal entries are read for the host's deaths (newest first kept). */
export const JOURNAL_DEATHS_LIMIT = 20000;

/** Who reports deaths in the journal: the coredump handler, the OOM daemons and the system manager. */
const DEATH_MATCH = [
  'SYSLOG_IDENTIFIER=systemd-coredump',
  '+',
  'SYSLOG_IDENTIFIER=earlyoom',
  '+',
  'SYSLOG_IDENTIFIER=systemd-oomd',
  '+',
  '_PID=1',
];

export interface JournalDeaths {
  deaths: JournalDeath[];
  /** Why nothing (or not everything) could be read; null when all was read. */
  unreadable: string | null;
}

/** This boot's journal deaths since `sinceMs` (null: the whole boot), bounded; live or from a saved export. */
export function readJournalDeaths(facts: Facts, sinceMs: number | null, limit = JOURNAL_DEATHS_LIMIT): JournalDeaths {
  if (!facts.raw.savedLog?.('journal')) {
    // Saved logs of another machine: its journal is only what --journal gave.
    if (facts.raw.savedLog) return { deaths: [], unreadable: 'not given (--journal FILE)' };
    const missing = journalFilesMissing(facts);
    if (missing) return { deaths: [], unreadable: missing };
  }
  const r = queryJournal(facts, DEATH_MATCH, { sinceMs, limit });
  if (!r.ok) return { deaths: [], unreadable: r.message };
  const deaths: JournalDeath[] = [];
  for (const entry of r.value) {
    const event = journalEvent(entry);
    const d = event ? journalDeath({ event, entry }) : null;
    if (d) deaths.push(d);
  }
  const cut =
    r.value.length >= limit ? `only the newest ${limit} entries were read (older deaths may be missing)` : null;
  return { deaths, unreadable: cut };
}
