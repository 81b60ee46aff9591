/**
 * The other shapes in which a saved journal or kernel log arrives from a customer, turned into
 * `journalctl -o json` lines (one entry a line), so that one reader takes them all:
 *
 * - `journalctl -o json-pretty`: each entry spread over many lines;
 * - `journalctl -o json-seq` (RFC 7464): each entry after an ASCII RS byte;
 * - `journalctl -o export`: `KEY=VALUE` lines, an entry ending at a blank line; a binary field is its name
 *   alone on a line, then a 64-bit little-endian length and the bytes (journal-export-format(7));
 * - `journalctl -o verbose`: a stamp line carrying the cursor (`[s=…;i=…;b=BOOT;m=MONO;t=REALTIME;x=…]`,
 *   hex), then the entry's fields indented as `KEY=VALUE`;
 * - util-linux `dmesg -J`: `{"dmesg": [{"pri": 6, "time": 50.000224, "msg": "…"}, …]}` (`pri` a level
 *   word and `fac` a facility with `-x`; `time` seconds since boot).
 *
 * Anything else (JSON lines already, or text) comes back as it was. Pure; never throws.
 */
import type { JournalJson } from './json-line';
import { LEVELS } from '../kernel-log/line-prefix';

const RS = '\x1e';
// journalctl -o verbose's stamp line: the cursor's parts in hex.
const VERBOSE_STAMP = /^\S.*\[s=[0-9a-f]+;i=[0-9a-f]+;b=([0-9a-f]{32});m=([0-9a-f]+);t=([0-9a-f]+);x=[0-9a-f]+\]\s*$/;
const EXPORT_FIELD = /^([A-Z_][A-Z0-9_]*)=([\s\S]*)$/;

/** Where the entries start: past blank space, RS bytes and whole lines of notes (`# …`, a `-- …` banner). */
function firstContent(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === RS || /\s/.test(text[i]))) i++;
    if (text[i] !== '#' && !text.startsWith('-- ', i)) return i;
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    i = nl + 1;
  }
}

function isJsonObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** The top-level `{…}` objects in `text`, however they are spread over lines (string-aware). */
function* topLevelObjects(text: string, from: number): Generator<string> {
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 125 && depth > 0) {
      depth--;
      if (depth === 0 && start >= 0) yield text.slice(start, i + 1);
    }
  }
}

/** One `dmesg -J` record as a kernel journal entry. */
function dmesgRecord(r: unknown): JournalJson | null {
  if (r === null || typeof r !== 'object') return null;
  const o = r as Record<string, unknown>;
  if (typeof o.msg !== 'string') return null;
  const out: JournalJson = { _TRANSPORT: 'kernel', MESSAGE: o.msg };
  const pri = typeof o.pri === 'number' ? o.pri & 7 : typeof o.pri === 'string' ? LEVELS[o.pri] : undefined;
  if (pri !== undefined) out.PRIORITY = String(pri);
  if (typeof o.time === 'number' && Number.isFinite(o.time))
    out._SOURCE_MONOTONIC_TIMESTAMP = String(Math.round(o.time * 1e6));
  else if (typeof o.time === 'string') {
    const t = Date.parse(o.time.replace(',', '.'));
    if (Number.isFinite(t)) out.__REALTIME_TIMESTAMP = String(t * 1000);
  }
  return out;
}

function fromJsonObjects(text: string, from: number): string {
  const lines: string[] = [];
  for (const objText of topLevelObjects(text, from)) {
    let v: unknown;
    try {
      v = JSON.parse(objText);
    } catch {
      continue;
    }
    const dmesg = (v as { dmesg?: unknown }).dmesg;
    if (Array.isArray(dmesg)) {
      for (const r of dmesg) {
        const e = dmesgRecord(r);
        if (e) lines.push(JSON.stringify(e));
      }
    } else lines.push(JSON.stringify(v));
  }
  return lines.join('\n');
}

/** journalctl -o export. A binary field's length was mangled by reading the file as text: it is skipped. */
function fromExport(text: string): string {
  const lines: string[] = [];
  let entry: JournalJson = {};
  let skipping = false;
  const flush = (): void => {
    if (Object.keys(entry).length > 0) lines.push(JSON.stringify(entry));
    entry = {};
  };
  for (const line of text.split('\n')) {
    if (line === '') {
      flush();
      skipping = false;
      continue;
    }
    const m = EXPORT_FIELD.exec(line);
    if (m) {
      entry[m[1]] = m[2];
      skipping = false;
    } else if (!skipping && /^[A-Z_][A-Z0-9_]*$/.test(line)) skipping = true; // a binary field follows
  }
  flush();
  return lines.join('\n');
}

/** journalctl -o verbose. */
function fromVerbose(text: string): string {
  const lines: string[] = [];
  let entry: JournalJson | null = null;
  for (const line of text.split('\n')) {
    const stamp = VERBOSE_STAMP.exec(line);
    if (stamp) {
      if (entry) lines.push(JSON.stringify(entry));
      entry = {
        _BOOT_ID: stamp[1],
        __MONOTONIC_TIMESTAMP: String(parseInt(stamp[2], 16)),
        __REALTIME_TIMESTAMP: String(parseInt(stamp[3], 16)),
      };
      continue;
    }
    const m = entry ? EXPORT_FIELD.exec(line.replace(/^\s+/, '')) : null;
    if (entry && m && /^\s/.test(line)) entry[m[1]] = m[2];
  }
  if (entry) lines.push(JSON.stringify(entry));
  return lines.join('\n');
}

/** `text` as journal JSON lines when it is one of the forms above; otherwise unchanged. */
export function toJournalJsonLines(text: string): string {
  const at = firstContent(text);
  const head = text.slice(at, at + 8192);
  if (text[at] === '{') {
    const nl = text.indexOf('\n', at);
    const firstLine = text.slice(at, nl < 0 ? text.length : nl).replace(/^\x1e/, '');
    // JSON lines already (the common `-o json`): nothing to do.
    if (!text.slice(0, at).includes(RS) && isJsonObject(firstLine) && !/^\{\s*"dmesg"/.test(firstLine)) return text;
    return fromJsonObjects(text, at);
  }
  if (/^__(CURSOR|REALTIME_TIMESTAMP|MONOTONIC_TIMESTAMP)=/.test(head)) return fromExport(text.slice(at));
  if (head.split('\n').some((l) => VERBOSE_STAMP.test(l))) return fromVerbose(text);
  return text;
}
