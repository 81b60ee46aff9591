/**
 * The record store: JSON lines in the state directory, `records.jsonl` plus one rotated `records.1.jsonl`.
 * Bounded: when the current file would pass the cap it is renamed over the rotated one, so the store never
 * holds more than about twice the cap. Files are 0600. Reading is pure over injected readers so the
 * `records` check can read through ctx.facts (live or bundle) and never touches fs itself.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Read } from '../types';
import type { DeathRecord } from './types';
import type { RecordsProbe } from './store-index';
import { ensureStateDir, stateDir } from './state-dir';
import { openAppend, UnsafePathError, writeAll } from '../safe-write';
import { isRecord } from './is-record';
import { readPidCursor } from './pid-cursor';

export type { DeathRecord, RecordIdentity } from './types';

export const RECORDS_FILE = 'records.jsonl';
export const ROTATED_FILE = 'records.1.jsonl';
export const DEFAULT_CAP_BYTES = 8 * 1024 * 1024;

export interface SaveOptions {
  dir?: string;
  capBytes?: number;
}

export interface SaveResult {
  file: string;
  /** The current file was renamed over the rotated one before this write. */
  rotated: boolean;
}

const readSmall = (p: string): string | null => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};
const linkOf = (p: string): string | null => {
  try {
    return fs.readlinkSync(p);
  } catch {
    return null;
  }
};

/** Append one record (creating the dir 0700 and the file 0600); rotates first when the cap would be passed. */
export function saveRecord(rec: DeathRecord, opts: SaveOptions = {}): string {
  return saveRecords([rec], opts).file;
}

/**
 * Append a batch with one open/write/close (the recorder writes thousands per second; a watcher writes one).
 * The batch goes into one file: it rotates first when the current file plus the batch would pass the cap.
 */
export function saveRecords(recs: readonly DeathRecord[], opts: SaveOptions = {}): SaveResult {
  const dir = ensureStateDir(opts.dir ?? stateDir());
  const cap = opts.capBytes ?? DEFAULT_CAP_BYTES;
  const file = path.join(dir, RECORDS_FILE);
  if (recs.length === 0) return { file, rotated: false };
  // The allocator's cursor now (after every death in the batch), so a diagnosis of one of these pids whose
  // start time is unknown can tell whether the pid was handed out again since (pid-cursor.ts).
  const cursor = readPidCursor(readSmall, linkOf);
  const text = recs
    .map((r) => JSON.stringify(r.pidCursor || !cursor ? r : { ...r, pidCursor: cursor }) + '\n')
    .join('');
  let size = 0;
  try {
    size = fs.lstatSync(file).size;
  } catch {
    /* no file yet */
  }
  const rotated = size > 0 && size + Buffer.byteLength(text) > cap;
  if (rotated) {
    try {
      fs.renameSync(file, path.join(dir, ROTATED_FILE));
    } catch (e) {
      throw new UnsafePathError(`cannot rotate ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`, true);
    }
  }
  // O_APPEND: several watchers and the recorder may append concurrently; one write of whole lines stays whole.
  // Never through a link planted in the state dir, and only into a regular file with one link (openAppend).
  const fd = openAppend(file, { role: 'records file', private: true, read: true });
  try {
    // A writer killed mid-line leaves a torn tail: start on a fresh line so these records survive it.
    const end = fs.fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const torn = end > 0 && fs.readSync(fd, last, 0, 1, end - 1) === 1 && last[0] !== 0x0a;
    // One write() of whole lines, or nothing (writeAll cuts a short write on a full disk back off).
    writeAll(fd, Buffer.from(torn ? '\n' + text : text), file);
  } finally {
    fs.closeSync(fd);
  }
  return { file, rotated };
}

/** Parse JSON lines, skipping torn or foreign lines (a crash mid-append must not hide every other record). */
function parseRecords(text: string): DeathRecord[] {
  const out: DeathRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isRecord(v)) out.push(v);
    } catch {
      /* torn line */
    }
  }
  return out;
}

/**
 * One line's record, memoised: by name, each dead target's records check asks about the same lines, and
 * an index hands back the very same strings each time.
 */
const parsedLines = new Map<string, DeathRecord | null>();
const parsedLists = new WeakMap<readonly string[], DeathRecord[]>();
export function parsedLine(line: string): DeathRecord | null {
  let r = parsedLines.get(line);
  if (r === undefined) {
    r = parseRecords(line)[0] ?? null;
    if (parsedLines.size > 50000) parsedLines.clear();
    parsedLines.set(line, r);
  }
  return r;
}

/** Every record in `dir`, oldest first (rotated file, then current). */
export function readRecords(
  listDir: (p: string) => Read<string[]>,
  readText: (p: string) => Read<string>,
  dir: string,
): DeathRecord[] {
  return scanRecords(listDir, readText, dir, null).records;
}

/** What a filtered read found: the candidate records, and how many lines the files held in all. */
export interface RecordScan {
  records: DeathRecord[];
  lines: number;
}

/**
 * Records in `dir` whose line contains one of `needles` (oldest first), or every record when `needles` is
 * null. The store holds up to ~16 MiB; parsing all of it on every diagnosis would cost more than the rest of
 * the diagnosis, so only lines holding a needle are parsed. A needle only narrows: callers still check the
 * parsed record exactly (see recordNeedles). `probe` (a live source's recordsProbe, for the same pid and
 * name as the needles) answers from the file's key index instead: its records with that pid or name.
 */
export function scanRecords(
  listDir: (p: string) => Read<string[]>,
  readText: (p: string) => Read<string>,
  dir: string,
  needles: readonly string[] | null,
  probe?: (file: string) => RecordsProbe | null,
): RecordScan {
  const names = listDir(dir);
  const out: RecordScan = { records: [], lines: 0 };
  if (!names.ok) return out;
  for (const name of [ROTATED_FILE, RECORDS_FILE]) {
    if (!names.value.includes(name)) continue;
    // The file's key index (store-index.ts) gives its line count and the lines about this pid or name.
    const probed = needles && probe ? probe(path.join(dir, name)) : null;
    if (probed) {
      out.lines += probed.lines;
      let recs = parsedLists.get(probed.matches);
      if (!recs) {
        recs = probed.matches.map(parsedLine).filter((r): r is DeathRecord => r !== null);
        parsedLists.set(probed.matches, recs);
      }
      out.records.push(...recs);
      continue;
    }
    const text = readText(path.join(dir, name));
    if (!text.ok) continue;
    out.lines += memoFor(text.value).lines;
    out.records.push(...(needles ? recordsWith(text.value, needles) : parseRecords(text.value)));
  }
  return out;
}

/**
 * What was found in one file text, kept while that text is the latest one seen: `whydied <name>` diagnoses
 * several dead targets, and each one's records check asks about the same file with the same name needle.
 * Readers memoise file texts (Facts), so a repeated ask passes the very same string and costs nothing.
 */
interface TextMemo {
  text: string;
  lines: number;
  /** needle -> matching lines' start offsets and parsed records */
  byNeedle: Map<string, Array<{ start: number; record: DeathRecord }>>;
}
const memos: TextMemo[] = [];

function memoFor(text: string): TextMemo {
  let m = memos.find((x) => x.text === text);
  if (!m) {
    m = { text, lines: countLines(text), byNeedle: new Map() };
    memos.unshift(m);
    // Two files (current and rotated) per state dir; a few state dirs at most in one process.
    if (memos.length > 4) memos.pop();
  }
  return m;
}

/** Records on the lines of `text` containing any needle, in file order, each line once. */
function recordsWith(text: string, needles: readonly string[]): DeathRecord[] {
  const m = memoFor(text);
  const byStart = new Map<number, DeathRecord>();
  for (const needle of needles) {
    if (!needle) continue;
    let found = m.byNeedle.get(needle);
    if (!found) {
      found = linesWith(text, needle).flatMap(({ start, line }) =>
        parseRecords(line).map((record) => ({ start, record })),
      );
      m.byNeedle.set(needle, found);
    }
    for (const f of found) byStart.set(f.start, f.record);
  }
  return [...byStart.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

/**
 * Substrings every line of a matching record contains. A record of `pid` has `"pid":<pid>,` (JSON.stringify
 * writes no spaces; `pid` is the second key); a record matching `name` by comm, argv[0] basename or launch
 * name has the JSON-escaped name right before a closing quote.
 */
export function recordNeedles(pid: number | null, name: string | null): string[] {
  const out: string[] = [];
  if (pid !== null) out.push(`"pid":${pid},`);
  if (name) out.push(JSON.stringify(name).slice(1));
  return out;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

/** The lines of `text` containing `needle`, in file order, each once, with their start offsets. */
function linesWith(text: string, needle: string): Array<{ start: number; line: string }> {
  const out: Array<{ start: number; line: string }> = [];
  for (let i = text.indexOf(needle); i !== -1;) {
    const start = text.lastIndexOf('\n', i) + 1;
    const nl = text.indexOf('\n', i);
    const end = nl === -1 ? text.length : nl;
    out.push({ start, line: text.slice(start, end) });
    if (nl === -1) break;
    i = text.indexOf(needle, nl + 1);
  }
  return out;
}
