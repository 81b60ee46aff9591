/**
 * `whydied scan`: every death this host's evidence knows (kernel log, journal, whydied records), newest
 * first, one entry each. Reads only through Facts, so `--kmsg`/`--journal` saved logs and bundles work
 * the same way. A death seen by several sources is listed once, under the most direct one.
 */
import type { CauseSource } from '../engine/types';
import type { Facts } from '../source/types';
import type { ScanEntry } from './entry';
import { causeParts } from '../engine/describe-cause';
import { readKernelLog } from '../source/kernel-log/read';
import { findDeaths, findMachineDeaths } from '../source/kernel-log/incidents';
import { describeMachineDeath } from '../source/kernel-log/describe';
import { findSuppressions, type Suppression } from '../source/kernel-log/suppressed';
import { notUnderstood, type NotUnderstood } from '../source/kernel-log/understood';
import { kernelEntry } from './kernel-entry';
import { journalEvent, parseJournal, type JournalEvent } from '../source/journal/parse';
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

/** The journal's death reports: coredumps, earlyoom/systemd-oomd kills, and systemd unit results. */
function fromJournal(facts: Facts, out: ScanEntry[], unreadable: string[]): void {
  const argv = [
    'journalctl',
    '-o',
    'json',
    '-q',
    '--no-pager',
    '-b',
    '0',
    'SYSLOG_IDENTIFIER=systemd-coredump',
    '+',
    'SYSLOG_IDENTIFIER=earlyoom',
    '+',
    'SYSLOG_IDENTIFIER=systemd-oomd',
    '+',
    '_PID=1',
  ];
  const saved = facts.raw.savedLog?.('journal') ?? null;
  let text: string;
  if (saved) text = saved.text;
  else if (facts.raw.savedLog) {
    // Saved logs of another machine: its journal is only what --journal gave.
    unreadable.push('journal: not given (--journal FILE)');
    return;
  } else {
    const has = ['/run/log/journal', '/var/log/journal'].some((d) => {
      const l = facts.raw.listDir(d);
      return l.ok && l.value.length > 0;
    });
    if (!has) {
      unreadable.push('journal: no journal files in /run/log/journal or /var/log/journal');
      return;
    }
    const r = facts.raw.command(argv, 10000);
    if (!r.ok) {
      unreadable.push(`journal: ${r.message}`);
      return;
    }
    text = r.value;
  }
  for (const e of parseJournal(text)) {
    const ev = journalEvent(e);
    if (!ev) continue;
    const base = { timeMs: e.timeMs, source: 'journal' as const, confidence: 'likely' as const, alsoIn: [] };
    if (ev.type === 'coredump')
      out.push({
        ...base,
        pid: ev.pid,
        name: ev.comm,
        kind: ev.signal === 'SIGSEGV' ? 'segfault' : 'signal',
        ...(ev.signal ? { signal: ev.signal } : {}),
        what: `${ev.signal ?? 'a signal'} (core dumped)`,
      });
    else if (ev.type === 'earlyoom-kill')
      out.push({
        ...base,
        pid: ev.pid,
        name: ev.comm,
        kind: 'signal',
        signal: ev.signal,
        what: `${ev.signal} from earlyoom`,
      });
    else if (ev.type === 'unit-oom')
      out.push(
        keyed(
          { ...base, pid: null, name: ev.unit, kind: 'oom-kill', what: 'OOM kill in the unit (systemd)' },
          [ev.unit],
          1,
        ),
      );
    else if (ev.type === 'oomd-kill' || ev.type === 'unit-oomd') out.push(oomdEntry(ev, base));
    else if (ev.type === 'unit-exit' && !(ev.code === 'exited' && ev.status === 0)) {
      const sig = ev.statusName ? `SIG${ev.statusName}` : undefined;
      const entry: ScanEntry = {
        ...base,
        pid: null,
        name: ev.unit,
        kind: ev.code === 'exited' ? 'exit' : 'signal',
        ...(sig ? { signal: sig } : {}),
        ...(ev.status !== null ? { exitCode: ev.status } : {}),
        what:
          ev.code === 'exited'
            ? `main process exit code ${ev.status ?? '?'}`
            : `main process ${ev.code} by ${sig ?? 'a signal'}`,
      };
      out.push(keyed(entry, [ev.unit]));
    }
  }
}

/** A systemd-oomd kill: oomd's own line (the cgroup, the pressure) or the manager's line for the unit. */
function oomdEntry(
  ev: Extract<JournalEvent, { type: 'oomd-kill' | 'unit-oomd' }>,
  base: Pick<ScanEntry, 'timeMs' | 'source' | 'confidence' | 'alsoIn'>,
): ScanEntry {
  if (ev.type === 'unit-oomd')
    return keyed(
      {
        ...base,
        pid: null,
        name: ev.unit,
        kind: 'oom-kill',
        signal: 'SIGKILL',
        what: `SIGKILL from systemd-oomd (${ev.processes} process(es))`,
      },
      [ev.unit],
      2,
    );
  const units = unitsOfPath(ev.cgroup);
  const why =
    ev.reason === 'swap'
      ? 'swap use'
      : ev.watched !== undefined
        ? `memory pressure ${ev.pressurePct}% > ${ev.limitPct}% for ${ev.watched}`
        : 'memory pressure';
  return keyed(
    {
      ...base,
      pid: null,
      name: units[units.length - 1] ?? ev.cgroup,
      kind: 'oom-kill',
      signal: 'SIGKILL',
      what: `SIGKILL from systemd-oomd (${why})`,
    },
    units,
    3,
  );
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
    const c = r.cause;
    // The recorder sees every exit on the machine: a clean exit 0 is not a death worth listing.
    if (c.kind === 'exit' && c.exitCode === 0) continue;
    if (r.bootId !== bootId) continue;
    const t = Date.parse(c.time ?? r.seenAt);
    // The report's cause line in scan's one field (its parts joined by spaces: scan's fields are split by ' · ').
    const what = causeParts(c).join(' ');
    out.push({
      timeMs: Number.isFinite(t) ? t : null,
      pid: r.pid,
      name: r.comm,
      kind: c.kind,
      ...(c.signal ? { signal: c.signal } : {}),
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      what,
      source: 'record',
      by: r.launch ? 'whydied launch' : c.source === 'watch' ? 'whydied watch' : 'whydied record',
      confidence: c.kind === 'unknown' ? 'possible' : 'confirmed',
      alsoIn: [],
    });
  }
}

const RANK: Record<CauseSource, number> = { watch: 6, record: 5, 'kernel-log': 4, journal: 3, systemd: 2, plugin: 1 };

export function scanDeaths(facts: Facts, sinceMs: number | null): ScanResult {
  const all: ScanEntry[] = [];
  const unreadable: string[] = [];
  const dropped: Suppression[] = [];
  const lost: NotUnderstood = { count: 0, examples: [] };
  const machineDeaths: ScanResult['machineDeaths'] = [];
  fromKernel(facts, all, unreadable, dropped, lost, machineDeaths);
  fromJournal(facts, all, unreadable);
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
