/**
 * Wall-clock stamps as a log wrote them: to epoch ms when the log says enough (a year; a zone, or the
 * saving machine's local time), to words in the log's own zone, and the year of year-less syslog stamps
 * inferred from the file itself: an audit record's epoch stamp on a syslog line (`audit(1591168599.573:180)`),
 * else the file's modification time when its last stamp is within a month before it (a log is written as
 * it grows; a copy made later, an archive's or a checkout's time says nothing). Otherwise the year is unknown
 * and said to be: never "this year" by default. Pure.
 */
import { readLinePrefix, type WallTime } from './line-prefix';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Epoch ms of a stamp, or null when it has no year. Zone-less stamps are the saving machine's local time. */
export function wallToMs(w: WallTime): number | null {
  if (w.year === null) return null;
  if (w.zoneMin !== null)
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms) - w.zoneMin * 60000;
  const t = new Date(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms).getTime();
  return Number.isFinite(t) ? t : null;
}

function zoneText(min: number): string {
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/**
 * The stamp in the log's own terms: `2024-04-29 14:55:41 +02:00`, `2019-03-15 07:10:14` (the saving
 * machine's local time), `08-16 20:29:54` (no year in the log). The JSON field `logTime`.
 */
export function formatWall(w: WallTime): string {
  const date = `${w.year !== null ? `${w.year}-` : ''}${pad(w.month)}-${pad(w.day)}`;
  const time = `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  return `${date} ${time}${w.zoneMin !== null ? ` ${zoneText(w.zoneMin)}` : ''}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The stamp in a sentence: "2024-04-29 14:55:41 +02:00", "2019-03-15 07:10:14 (the log's local time)", "Aug 16 20:29:54 (the log gives no year)". */
export function describeWall(w: WallTime): string {
  const time = `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  if (w.year === null) return `${MONTHS[w.month - 1]} ${w.day} ${time} (the log gives no year)`;
  if (w.zoneMin !== null) return formatWall(w);
  return `${formatWall(w)} (the log's local time)`;
}

/** A year learnt for one year-less stamp at a byte offset of the text. */
export interface YearAnchor {
  offset: number;
  month: number;
  year: number;
  /** How it was learnt, for the report. */
  from: 'audit' | 'mtime';
}

const DAY_MS = 86400000;
const AUDIT_EPOCH = /audit\((\d{9,11})\.\d+:\d+\)/;

/** An audit record's epoch on a line that also has a year-less stamp: that line's year, exactly. */
function auditAnchor(text: string): YearAnchor | null {
  let from = 0;
  for (let i = 0; i < 200; i++) {
    const at = text.indexOf('audit(', from);
    if (at === -1) return null;
    const start = text.lastIndexOf('\n', at) + 1;
    const endNl = text.indexOf('\n', at);
    const line = text.slice(start, endNl === -1 ? text.length : endNl);
    const m = AUDIT_EPOCH.exec(line);
    const p = readLinePrefix(line);
    if (m && p.wall && p.wall.year === null) {
      const d = new Date(Number(m[1]) * 1000);
      // The syslog stamp is local time; the epoch's UTC date can differ by a day at most around new year.
      let year = d.getUTCFullYear();
      if (p.wall.month === 12 && d.getUTCMonth() === 0) year -= 1;
      if (p.wall.month === 1 && d.getUTCMonth() === 11) year += 1;
      return { offset: start, month: p.wall.month, year, from: 'audit' };
    }
    from = at + 6;
  }
  return null;
}

/** The file's mtime as the year of its last year-less stamp, when that stamp is within a month before it. */
function mtimeAnchor(text: string, mtimeMs: number): YearAnchor | null {
  // mtime 0/1 is what archives and reproducible builds set: not a time anything was written.
  if (!(mtimeMs > DAY_MS)) return null;
  let end = text.length;
  for (let i = 0; i < 400 && end > 0; i++) {
    const start = text.lastIndexOf('\n', end - 1 - (text[end - 1] === '\n' ? 1 : 0)) + 1;
    const line = text.slice(start, end).replace(/\n$/, '');
    const p = readLinePrefix(line);
    if (p.wall && p.wall.year === null) {
      const m = new Date(mtimeMs);
      for (const year of [m.getFullYear(), m.getFullYear() - 1]) {
        const t = new Date(year, p.wall.month - 1, p.wall.day, p.wall.hour, p.wall.minute, p.wall.second).getTime();
        if (t <= mtimeMs + DAY_MS && mtimeMs - t <= 31 * DAY_MS)
          return { offset: start, month: p.wall.month, year, from: 'mtime' };
      }
      return null;
    }
    if (p.wall && p.wall.year !== null) return null;
    end = start;
  }
  return null;
}

/** Where the year of this text's year-less stamps can be learnt, if anywhere. */
export function yearAnchor(text: string, mtimeMs: number | null): YearAnchor | null {
  if (text.indexOf('audit(') !== -1) {
    const a = auditAnchor(text);
    if (a) return a;
  }
  return mtimeMs === null ? null : mtimeAnchor(text, mtimeMs);
}

/**
 * The year of a year-less stamp at `offset`, from the anchor and the log's order: a syslog file is written
 * in time order, so a month before the anchor's month after it means the year turned (and conversely).
 */
export function yearAt(anchor: YearAnchor, offset: number, month: number): number {
  if (offset >= anchor.offset) return anchor.year + (month < anchor.month ? 1 : 0);
  return anchor.year - (month > anchor.month ? 1 : 0);
}
