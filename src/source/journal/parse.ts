/**
 * journalctl output (`-o json`, one object per line; or `-o short-iso`) -> entries -> events about
 * how a process or unit ended: systemd unit results, systemd-coredump, earlyoom and systemd-oomd.
 * Messages and names are hostile data. Never throws.
 */
import { journalText, parseJournalJson } from './json-line';

export interface JournalEntry {
  timeMs: number | null;
  bootId: string | null;
  /** The logging process (for systemd's own messages: pid 1 or the user manager). */
  pid: number | null;
  comm: string | null;
  identifier: string | null;
  /** _SYSTEMD_UNIT (the unit the logging process runs in) or UNIT (the unit a manager message is about). */
  unit: string | null;
  message: string;
  /** Selected structured fields when present (COREDUMP_PID, COREDUMP_SIGNAL_NAME, EXIT_CODE, ...). */
  fields: Record<string, string>;
}

export type JournalEvent =
  | {
      type: 'unit-exit';
      unit: string;
      code: 'killed' | 'exited' | 'dumped' | string;
      status: number | null;
      statusName: string | null;
    }
  | { type: 'unit-failed'; unit: string; result: string }
  | { type: 'unit-oom'; unit: string }
  | { type: 'coredump'; pid: number; comm: string; uid: number | null; signal: string | null }
  | { type: 'earlyoom-kill'; pid: number; uid: number | null; comm: string; signal: string }
  /** systemd-oomd's own line: the cgroup it killed, and (memory pressure) the watched cgroup and the figures. */
  | {
      type: 'oomd-kill';
      cgroup: string;
      reason?: 'pressure' | 'swap';
      watched?: string;
      pressurePct?: number;
      limitPct?: number;
    }
  /** The manager's line for the unit oomd killed in (`UNIT: systemd-oomd killed N process(es) in this unit.`). */
  | { type: 'unit-oomd'; unit: string; processes: number };

const KEEP = [
  'COREDUMP_PID',
  'COREDUMP_COMM',
  'COREDUMP_SIGNAL_NAME',
  'COREDUMP_SIGNAL',
  'COREDUMP_UID',
  'COREDUMP_UNIT',
  'SESSION_ID',
  'EXIT_CODE',
  'EXIT_STATUS',
  'UNIT',
  'USER_UNIT',
  '_SYSTEMD_UNIT',
  '_SYSTEMD_USER_UNIT',
];

const int = (v: string | null | undefined): number | null => {
  if (v === null || v === undefined || !/^-?\d+$/.test(v)) return null;
  return Number(v);
};

function fromJson(line: string): JournalEntry | null {
  const entry = parseJournalJson(line);
  if (entry === null) return null;
  const { fields: o, message } = entry;
  const fields: Record<string, string> = {};
  for (const k of KEEP) {
    const v = journalText(o[k]);
    if (v !== null) fields[k] = v;
  }
  const real = int(journalText(o.__REALTIME_TIMESTAMP));
  return {
    timeMs: real === null ? null : real / 1000,
    bootId: journalText(o._BOOT_ID),
    pid: int(journalText(o._PID)),
    comm: journalText(o._COMM),
    identifier: journalText(o.SYSLOG_IDENTIFIER),
    unit: fields.UNIT ?? fields.USER_UNIT ?? fields._SYSTEMD_UNIT ?? fields._SYSTEMD_USER_UNIT ?? null,
    message,
    fields,
  };
}

// `2024-01-02T03:04:05+0000 host ident[pid]: message` (short-iso); `...05.123456+00:00` (short-iso-precise).
const SHORT_ISO =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)) (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ([\s\S]*)$/;

function fromShortIso(line: string): JournalEntry | null {
  const m = SHORT_ISO.exec(line);
  if (!m) return null;
  const iso = m[1].replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const t = Date.parse(iso);
  return {
    timeMs: Number.isFinite(t) ? t : null,
    bootId: null,
    pid: int(m[4]),
    comm: m[3],
    identifier: m[3],
    unit: null,
    message: m[5],
    fields: {},
  };
}

/** Entries of journalctl output in `-o json` or `-o short-iso` form. */
export function parseJournal(out: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const line of out.split('\n')) {
    if (line === '' || line.startsWith('-- ')) continue;
    try {
      const e = line.startsWith('{') ? fromJson(line) : fromShortIso(line);
      if (e) entries.push(e);
    } catch {
      /* skip unreadable lines */
    }
  }
  return entries;
}

const UNIT_EXIT = /^(\S+): Main process exited, code=(\w+), status=(\d+)(?:\/(\w+))?/;
const UNIT_FAILED = /^(\S+): Failed with result '([\w-]+)'/;
const UNIT_OOM = /^(\S+): A process of this unit has been killed by the OOM killer/;
// journalctl may print a link glyph before it since systemd v254 (`[🡕] Process ...`).
const COREDUMP =
  /^(?:\[[^\]\s]{1,8}\] )?Process (\d+) \(([\s\S]{0,64}?)\) of user (\d+) (?:dumped core|terminated abnormally)/;
// earlyoom src/kill.c: the uid is printed since v1.6 (`sending SIGTERM to process N "name": badness ...` before).
const EARLYOOM = /sending (SIG[A-Z]+) to process (\d+) (?:uid (\d+) )?"([\s\S]{0,64}?)": /;
// systemd 252 src/oom/oomd-util.c: "Killed %s due to memory pressure for %s being %lu.%02lu%% > %lu.%02lu%%
// for > %s with reclaim activity" (src/oom/oomd.c) and "Killed %s due to memory used (...) / total (...) and swap
// used (...) / total (...) being more than %5.2f%%" (swap).
const OOMD = /^Killed (\S+) due to memory (pressure|used)(?: for (\S+) being ([\d.]+)% > ([\d.]+)%)?/;
// src/core/unit.c unit_log_... "systemd-oomd killed %"PRIu64" process(es) in this unit."
const UNIT_OOMD = /^(\S+): systemd-oomd killed (\d+) process\(es\) in this unit/;

const SIGNAL_NAMES: Readonly<Record<string, string>> = {
  '6': 'SIGABRT',
  '11': 'SIGSEGV',
  '7': 'SIGBUS',
  '8': 'SIGFPE',
  '4': 'SIGILL',
  '5': 'SIGTRAP',
  '3': 'SIGQUIT',
  '31': 'SIGSYS',
};

/** What one entry says about a death, or null. */
export function journalEvent(e: JournalEntry): JournalEvent | null {
  const msg = e.message;
  let m: RegExpExecArray | null;
  if (msg.indexOf('Main process exited') !== -1 && (m = UNIT_EXIT.exec(msg))) {
    return { type: 'unit-exit', unit: m[1], code: m[2], status: int(m[3]), statusName: m[4] ?? null };
  }
  if (msg.indexOf('Failed with result') !== -1 && (m = UNIT_FAILED.exec(msg)))
    return { type: 'unit-failed', unit: m[1], result: m[2] };
  if (msg.indexOf('OOM killer') !== -1 && (m = UNIT_OOM.exec(msg))) return { type: 'unit-oom', unit: m[1] };
  if ((msg.startsWith('Process ') || msg.startsWith('[')) && (m = COREDUMP.exec(msg))) {
    const sig =
      e.fields.COREDUMP_SIGNAL_NAME ??
      (e.fields.COREDUMP_SIGNAL ? (SIGNAL_NAMES[e.fields.COREDUMP_SIGNAL] ?? `SIG${e.fields.COREDUMP_SIGNAL}`) : null);
    return { type: 'coredump', pid: Number(m[1]), comm: m[2], uid: int(m[3]), signal: sig ?? null };
  }
  if (msg.indexOf('sending SIG') !== -1 && (m = EARLYOOM.exec(msg))) {
    return { type: 'earlyoom-kill', signal: m[1], pid: Number(m[2]), uid: int(m[3]), comm: m[4] };
  }
  if (msg.startsWith('Killed ') && (m = OOMD.exec(msg))) {
    const figures = m[3] !== undefined ? { watched: m[3], pressurePct: Number(m[4]), limitPct: Number(m[5]) } : {};
    return { type: 'oomd-kill', cgroup: m[1], reason: m[2] === 'pressure' ? 'pressure' : 'swap', ...figures };
  }
  if (msg.indexOf('systemd-oomd killed') !== -1 && (m = UNIT_OOMD.exec(msg)))
    return { type: 'unit-oomd', unit: m[1], processes: Number(m[2]) };
  return null;
}
