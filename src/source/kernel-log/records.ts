/**
 * Split kernel log text (kmsg, dmesg, journalctl) into records, keeping only those that pass the
 * keyword pre-filter. Never throws: a line we cannot read is skipped.
 */
import { candidateLineStarts } from './prefilter';
import type { KernelLogFormat, KernelRecord } from './types';
import { parseJournalJson } from '../journal/json-line';
import { KILLER_TAGS, readLinePrefix, type WallTime } from './line-prefix';
import { wallToMs, yearAnchor, yearAt, type YearAnchor } from './wall-time';
import { looksLikeReport } from './understood';
import { parseKernelMessage } from './parse';

export interface ScanClock {
  /** Wall-clock ms of the current boot (btime * 1000); null when unknown. */
  bootTimeMs: number | null;
  /** Boot these records belong to when the format does not say (`current` by default). */
  boot?: string;
  /** /proc/sys/kernel/random/boot_id, to recognise the current boot in journal entries. */
  currentBootId?: string | null;
  /** Modification time of a saved log file (ms), to learn the year of year-less syslog stamps. */
  fileMtimeMs?: number | null;
}

export interface ScanResult {
  records: KernelRecord[];
  /** Time of the oldest record in the text (tells whether the log reaches back to a start time). */
  oldestTimeMs: number | null;
  bytes: number;
}

const KMSG_LINE = /^(\d+),(\d+),(\d+)(?:,[^;]*)?;([\s\S]*)$/;
// `<6>[ 1.2] msg`, `kern  :info  : [ 1.2] msg`, `[ 1.2] msg`.
const DMESG_LINE = /^(?:<(\d+)>)?(?:[a-z0-9]+ *:[a-z]+ *: )?\[ *(\d+)\.(\d+)\] ?([\s\S]*)$/;
const ESCAPE = /\\x([0-9a-fA-F]{2})/g;
/** Guess the format from the first non-comment line. */
export function detectFormat(text: string): KernelLogFormat {
  for (const line of text.slice(0, 4096).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (/^\d+,\d+,\d+/.test(line)) return 'kmsg';
    if (line.startsWith('{')) return 'journal-json';
    // journalctl prints a `-- Logs begin at ... --` / `-- Boot ... --` banner first.
    if (line.startsWith('-- ')) continue;
    // Every other saver's text (dmesg in all its forms, syslog, journalctl short formats, logread, logcat)
    // is read line by line by one tolerant prefix reader (line-prefix.ts), whatever the first line is:
    // the name only tells what the first line looked like.
    const p = readLinePrefix(line);
    if (p.wall !== null) return 'wall-clock';
    if (p.uptimeSec !== null && p.tag === 'kernel') return 'journal-short-monotonic';
    return 'dmesg';
  }
  return 'dmesg';
}

/**
 * Undo the kernel's `\xNN` escaping (kmsg escapes control bytes, bytes >= 0x7f and backslash).
 * Escaped bytes >= 0x80 are UTF-8 sequences, so re-decode them as UTF-8.
 */
function decodeKernelEscapes(s: string): string {
  if (s.indexOf('\\x') === -1) return s;
  let high = false;
  const replaced = s.replace(ESCAPE, (_m, hex: string) => {
    const code = parseInt(hex, 16);
    if (code >= 0x80) high = true;
    return String.fromCharCode(code);
  });
  if (!high) return replaced;
  for (let i = 0; i < replaced.length; i++) if (replaced.charCodeAt(i) > 0xff) return replaced;
  return Buffer.from(replaced, 'latin1').toString('utf8');
}

function lineAt(text: string, start: number): { line: string; end: number } {
  const nl = text.indexOf('\n', start);
  const end = nl === -1 ? text.length : nl;
  return { line: text.slice(start, end), end };
}

const isIndented = (line: string): boolean => line.startsWith(' ') || line.startsWith('\t');
/**
 * A dmesg continuation: indented and without a stamp of its own. A line a reporter pasted indented
 * (`   [17570.144699] syslog-ng[306]: segfault ...`) keeps its printk stamp and is a record of its own.
 */
const OWN_STAMP = /^[ \t]+(?:(?:<\d{1,3}>)?\[ *\d{1,10}\.\d{0,9}\]|kernel:)/;
const isContinuation = (line: string): boolean => isIndented(line) && !OWN_STAMP.test(line);

/** For dmesg: the start of the record a (possibly indented continuation) line belongs to. */
function dmesgRecordStart(text: string, lineStart: number): number {
  let start = lineStart;
  // A comm with a newline is printed by dmesg as an indented continuation; walk back a few lines.
  for (let i = 0; i < 8 && start > 0 && isContinuation(lineAt(text, start).line); i++) {
    start = text.lastIndexOf('\n', start - 2) + 1;
  }
  return isContinuation(lineAt(text, start).line) ? lineStart : start;
}

/** A dmesg record's full text: its first line plus indented continuation lines, joined by \n. */
function dmesgRecordText(text: string, start: number): { raw: string; end: number } {
  let { line, end } = lineAt(text, start);
  const parts = [line];
  if (!DMESG_LINE.test(line)) return { raw: line, end };
  while (end < text.length) {
    const next = lineAt(text, end + 1);
    if (!isContinuation(next.line) || next.line.trim() === '') break;
    parts.push(next.line.replace(/^\s+/, ''));
    end = next.end;
    line = next.line;
  }
  return { raw: parts.join('\n'), end };
}

interface Parsed {
  wall?: WallTime | null;
  unreadableStamp?: boolean;
  monoUsec: number | null;
  priority: number | null;
  seq: number | null;
  message: string;
  realtimeMs?: number | null;
  boot?: string;
  /** A user-space killer's tagged line: its program (line-prefix.ts KILLER_TAGS). */
  source?: string;
}

function parseKmsgLine(line: string): Parsed | null {
  const m = KMSG_LINE.exec(line);
  if (!m) return null;
  return {
    priority: Number(m[1]) & 7,
    seq: Number(m[2]),
    monoUsec: Number(m[3]),
    message: decodeKernelEscapes(m[4]),
  };
}

/**
 * A text line of any saver, read by the tolerant prefix reader. Lines another program logged (a syslog
 * file's `containerd:` or `sshd[12]:` lines) are not kernel records: their text is shaped by that program.
 */
function parseTextRecord(raw: string): Parsed | null {
  if (raw.trim() === '' || raw.startsWith('#')) return null;
  const p = readLinePrefix(raw);
  // Another program's line is read only when it is a killer's (earlyoom, systemd-coredump, ...), and then only
  // by that program's parser.
  const source = p.origin === 'other' && p.tag !== null && KILLER_TAGS.has(p.tag) ? p.tag : undefined;
  if (p.origin === 'other' && source === undefined) return null;
  return {
    ...(source !== undefined ? { source } : {}),
    priority: p.priority,
    seq: null,
    monoUsec: p.uptimeSec === null ? null : Math.round(p.uptimeSec * 1e6),
    message: decodeKernelEscapes(p.message),
    wall: p.wall,
    unreadableStamp: p.unreadableStamp,
  };
}

const num = (v: unknown): number | null => {
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

function parseJournalJsonLine(line: string, clock: ScanClock): Parsed | null {
  const entry = parseJournalJson(line);
  if (entry === null) return null;
  const { fields: o, message } = entry;
  // A whole journal (`journalctl -o json`, not `-k`) holds every program's lines: only the kernel's own
  // records are kernel log (a program can log "Killed process 1 (x)" to the journal as any text).
  if (typeof o._TRANSPORT === 'string' && o._TRANSPORT !== 'kernel') return null;
  const bootId = typeof o._BOOT_ID === 'string' ? o._BOOT_ID : null;
  const current = (clock.currentBootId ?? '').replace(/-/g, '');
  const boot = bootId === null || bootId === current ? (clock.boot ?? 'current') : bootId;
  const mono = num(o._SOURCE_MONOTONIC_TIMESTAMP) ?? num(o.__MONOTONIC_TIMESTAMP);
  const real = num(o.__REALTIME_TIMESTAMP);
  return {
    priority: num(o.PRIORITY),
    seq: null,
    monoUsec: mono,
    message,
    realtimeMs: real === null ? null : real / 1000,
    boot,
  };
}

function toRecord(p: Parsed, offset: number, clock: ScanClock, anchor: () => YearAnchor | null): KernelRecord {
  const boot = p.boot ?? clock.boot ?? 'current';
  let timeMs: number | null = null;
  let wall = p.wall ?? null;
  if (wall && wall.year === null) {
    const a = anchor();
    if (a) wall = { ...wall, year: yearAt(a, offset, wall.month), yearFrom: a.from };
  }
  // The current boot's records use the same base as process start times (btime + monotonic),
  // so "died before this process started" comparisons are exact; earlier boots use realtime.
  if (boot === 'current' && p.monoUsec !== null && clock.bootTimeMs !== null) {
    timeMs = clock.bootTimeMs + p.monoUsec / 1000;
  } else if (p.realtimeMs !== undefined && p.realtimeMs !== null) {
    timeMs = p.realtimeMs;
  } else if (wall) {
    timeMs = wallToMs(wall);
  }
  const r: KernelRecord = {
    seq: p.seq ?? offset,
    monoUsec: p.monoUsec,
    timeMs,
    boot,
    priority: p.priority,
    message: p.message,
    uptimeSec: p.monoUsec === null ? null : p.monoUsec / 1e6,
    wall,
  };
  if (p.source !== undefined) r.source = p.source;
  if (p.unreadableStamp) r.unreadableStamp = true;
  return r;
}

/**
 * A report line a mail client or terminal wrapped (`... sp` / `00007099f7ef7458 error 4 in libc...`): when a
 * report no parser reads is followed by a bare line (no stamp, no tag: not a record of its own), the two
 * are read as one. Only then: any other line stays as it was.
 */
function unwrap(text: string, p: Parsed | null, end: number): { p: Parsed | null; end: number } {
  if (!p || end >= text.length || !looksLikeReport(p.message) || parseKernelMessage(p.message) !== null)
    return { p, end };
  const next = lineAt(text, end + 1);
  const n = readLinePrefix(next.line);
  if (next.line.trim() === '' || n.origin !== 'unknown' || n.wall || n.uptimeSec !== null) return { p, end };
  const joined = `${p.message.replace(/\s+$/, '')} ${next.line.trim()}`;
  if (parseKernelMessage(joined) === null) return { p, end };
  return { p: { ...p, message: joined }, end: next.end };
}

/**
 * syslogd's wall broadcast of an emergency line (sysklogd and rsyslog omusrmsg): `Message from syslogd@HOST at
 * DATE ...` on the line before ` kernel:[stamp] msg`. The DATE is the line's own time (rsyslog: the syslog
 * stamp, `Jun 22 19:32:51`; sysklogd: ctime's `Sun Jun 22 19:32:51 2019`).
 */
const WALL_HEADER = /^\s*Message from syslogd@\S{1,255} at ([^\n]{8,40}?) \.\.\.\s*$/;

function wallHeaderBefore(text: string, start: number): WallTime | null {
  if (start < 2) return null;
  const prevStart = text.lastIndexOf('\n', start - 2) + 1;
  const m = WALL_HEADER.exec(text.slice(prevStart, start - 1));
  return m ? readLinePrefix(`${m[1]} x`).wall : null;
}

function parseOne(
  text: string,
  start: number,
  format: KernelLogFormat,
  clock: ScanClock,
): { p: Parsed | null; end: number } {
  if (format === 'dmesg' || format === 'journal-short-monotonic') {
    const { raw, end } = dmesgRecordText(text, start);
    const r = unwrap(text, parseTextRecord(raw), end);
    if (r.p && !r.p.wall) {
      const wall = wallHeaderBefore(text, start);
      if (wall) r.p = { ...r.p, wall };
    }
    return r;
  }
  if (format === 'wall-clock') {
    const { line, end } = lineAt(text, start);
    return unwrap(text, parseTextRecord(line), end);
  }
  const { line, end } = lineAt(text, start);
  if (format === 'kmsg') return { p: isIndented(line) ? null : parseKmsgLine(line), end };
  return { p: parseJournalJsonLine(line, clock), end };
}

function oldestTime(
  text: string,
  format: KernelLogFormat,
  clock: ScanClock,
  anchor: () => YearAnchor | null,
): number | null {
  let start = 0;
  for (let i = 0; i < 50 && start < text.length; i++) {
    const { p, end } = parseOne(text, start, format, clock);
    if (p && (p.monoUsec !== null || p.realtimeMs || p.wall)) return toRecord(p, start, clock, anchor).timeMs;
    start = end + 1;
  }
  return null;
}

/** Records of `text` that contain an event keyword, in log order. */
export function scanKernelText(text: string, format: KernelLogFormat, clock: ScanClock): ScanResult {
  const records: KernelRecord[] = [];
  let lastStart = -1;
  // The year of year-less syslog stamps, learnt from the whole text once, only when a record needs it.
  let anchorMemo: YearAnchor | null | undefined;
  const anchor = (): YearAnchor | null => {
    if (anchorMemo === undefined) anchorMemo = yearAnchor(text, clock.fileMtimeMs ?? null);
    return anchorMemo;
  };
  for (const hit of candidateLineStarts(text)) {
    const start = format === 'dmesg' || format === 'journal-short-monotonic' ? dmesgRecordStart(text, hit) : hit;
    if (start <= lastStart) continue;
    lastStart = start;
    try {
      const { p } = parseOne(text, start, format, clock);
      if (p) records.push(toRecord(p, start, clock, anchor));
    } catch {
      /* a record we cannot read is skipped, never fatal */
    }
  }
  return { records, oldestTimeMs: oldestTime(text, format, clock, anchor), bytes: text.length };
}
