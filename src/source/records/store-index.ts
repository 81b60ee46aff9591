/**
 * A key index of one records file, so a diagnosis reads only the records about its target, or none.
 * Reading and searching a 64 MiB store costs ~100-300 ms; asking its index costs about a millisecond.
 *
 * `records.jsonl.idx` (and `records.1.jsonl.idx`) holds, for the data file's inode and its bytes up to the
 * last complete line: the number of lines, every record's pid with the byte offset of its line, and every
 * name a record answers to (comm, argv[0] basename, launch name: see recordMatchesName) with the offsets of
 * its lines. It is kept by readers, not writers: a reader that finds the data file grew indexes only the
 * new bytes, and rewrites the index (temp file + rename) where it may write. Writers (the recorder,
 * watchers, launch sentinels) append concurrently with no lock; an index derived from the data alone never
 * disagrees with it. Rotation renames the current file: its index is found again by inode.
 *
 * Layout: one JSON header line (with the boot ids the records name); (pid int32 LE, offset uint32 LE) pairs
 * sorted by pid then offset; then one row per record in file order, five float64 LE: offset, pid, start
 * time, boot (an index into the header's boot ids), time of death in ms (NaN when unknown); then one line per
 * name, sorted: the JSON-quoted name (a comm may hold a newline), a tab, comma-separated row numbers. The rows let
 * `whydied <name>` choose the newest N of thousands of recorded deaths, and count the rest, without reading
 * their lines (probeNamed).
 */
import * as fs from 'fs';
import * as path from 'path';
import { launchName } from './record-name';
import { isRecord } from './is-record';
import type { DeathRecord, NamedRecords } from './types';

const VERSION = 4;
/** Numbers per row of the records table: offset, pid, start time, boot, time of death (ms). */
const ROW = 5;
const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

interface Header {
  v: number;
  dev: number;
  ino: number;
  /** Bytes of the data file indexed: up to and including its last newline then. */
  bytes: number;
  /** Complete lines in those bytes. */
  lines: number;
  pairs: number;
  /** Rows of the records table. */
  rows: number;
  /** The boot ids rows point to. */
  boots: string[];
  namesBytes: number;
}

export interface RecordsProbe {
  /** Lines in the data file as a whole-file read counts them (a torn last line counts). */
  lines: number;
  /** The lines (in file order, each once) of every record with this pid or answering to this name. */
  matches: string[];
}

interface Index {
  header: Header;
  /** pid, offset, pid, offset... sorted by pid then offset. */
  pairs: Uint32Array;
  /** '\n' + the name lines + '\n' (decoded on first use: a pid-only question never needs them). */
  names: () => string;
  /** The records table, ROW numbers per record, in file order (read on first use, by name questions). */
  rows: () => Float64Array;
}

/** A value computed on first use. */
function lazy<T>(fn: () => T): () => T {
  let done = false;
  let v: T;
  return () => {
    if (!done) {
      v = fn();
      done = true;
    }
    return v;
  };
}

/** Fills `into` from byte `at` of the file; false when the file ends first. */
function readInto(fd: number, into: Uint8Array, at: number): boolean {
  for (let off = 0; off < into.length;) {
    const n = fs.readSync(fd, into, off, into.length - off, at + off);
    if (n === 0) return false;
    off += n;
  }
  return true;
}

/** Header and pairs of an index file (the names are read only when a name is asked about). */
function readIndex(file: string, st: fs.Stats): Index | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.allocUnsafe(Math.min(size, 4096));
    const got = fs.readSync(fd, head, 0, head.length, 0);
    const nl = head.subarray(0, got).indexOf(0x0a);
    if (nl < 0) return null;
    const header = JSON.parse(head.toString('utf8', 0, nl)) as Header;
    const start = nl + 1;
    if (header.v !== VERSION || header.dev !== st.dev || header.ino !== st.ino || header.bytes > st.size) return null;
    if (!Array.isArray(header.boots) || size !== start + header.pairs * 8 + header.rows * ROW * 8 + header.namesBytes)
      return null;
    // Read straight into an aligned buffer: a typed view needs 4-byte alignment, the file offset has none.
    const pairs = new Uint32Array(header.pairs * 2);
    if (!readInto(fd, new Uint8Array(pairs.buffer), start)) return null;
    const rowsAt = start + header.pairs * 8;
    const namesAt = rowsAt + header.rows * ROW * 8;
    const later = <T>(read: (fd: number) => T, fallback: T): (() => T) =>
      lazy(() => {
        try {
          const nfd = fs.openSync(file, fs.constants.O_RDONLY | O_NOFOLLOW);
          try {
            return read(nfd);
          } finally {
            fs.closeSync(nfd);
          }
        } catch {
          return fallback;
        }
      });
    const names = later((nfd) => {
      const buf = Buffer.allocUnsafe(header.namesBytes);
      const got = readInto(nfd, buf, namesAt) ? buf.length : 0;
      return `\n${buf.toString('utf8', 0, got)}\n`;
    }, '\n\n');
    const rows = later((nfd) => {
      const table = new Float64Array(header.rows * ROW);
      return readInto(nfd, new Uint8Array(table.buffer), rowsAt) ? table : new Float64Array(0);
    }, new Float64Array(0));
    return { header, pairs, names, rows };
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function writeIndex(file: string, header: Header, pairs: Uint32Array, rows: Float64Array, nameLines: string): void {
  const namesBuf = Buffer.from(nameLines, 'utf8');
  const head = Buffer.from(
    JSON.stringify({ ...header, pairs: pairs.length / 2, rows: rows.length / ROW, namesBytes: namesBuf.length }) + '\n',
    'utf8',
  );
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, 0o600);
    try {
      fs.writeSync(
        fd,
        Buffer.concat([
          head,
          Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength),
          Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength),
          namesBuf,
        ]),
      );
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch {
    // Not ours to write (another user's state dir, a read-only copy): the answer stands without it.
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* never created */
    }
  }
}

function basename(p: string): string {
  const slash = p.lastIndexOf('/');
  return slash < 0 ? p : p.slice(slash + 1);
}

function nameMap(idx: Index | null): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!idx) return out;
  for (const line of idx.names().split('\n')) {
    const tab = line.lastIndexOf('\t');
    if (tab < 0) continue;
    out.set(
      JSON.parse(line.slice(0, tab)) as string,
      line
        .slice(tab + 1)
        .split(',')
        .map(Number),
    );
  }
  return out;
}

/**
 * Adds the complete lines of `chunk` (which starts at byte `base` of the data file) to the index. Lines that
 * are torn or not records are skipped, as the whole-file parser skips them; returns the number of lines.
 */
function indexLines(
  chunk: Buffer,
  base: number,
  pairs: number[],
  rows: number[],
  boots: string[],
  names: Map<string, number[]>,
): number {
  let lines = 0;
  for (let start = 0; start < chunk.length;) {
    const nl = chunk.indexOf(0x0a, start);
    if (nl < 0) break;
    lines++;
    const offset = base + start;
    let r: DeathRecord | null = null;
    try {
      r = JSON.parse(chunk.toString('utf8', start, nl)) as DeathRecord;
    } catch {
      r = null;
    }
    start = nl + 1;
    if (typeof r !== 'object' || r === null || typeof r.pid !== 'number') continue;
    pairs.push(r.pid >>> 0, offset);
    // Rows and names only for whole records: by name, the rows are read without parsing the lines.
    if (!isRecord(r)) continue;
    const row = rows.length / ROW;
    let b = boots.indexOf(r.bootId);
    if (b < 0) b = boots.push(r.bootId) - 1;
    rows.push(offset, r.pid, r.startTime, b, Date.parse(r.cause.time ?? r.seenAt));
    const keys = new Set<string>([r.comm]);
    if (Array.isArray(r.argvHead) && typeof r.argvHead[0] === 'string') keys.add(basename(r.argvHead[0]));
    const launch = launchName(r);
    if (launch !== null) keys.add(launch);
    for (const k of keys) {
      const list = names.get(k);
      if (list) list.push(row);
      else names.set(k, [row]);
    }
  }
  return lines;
}

function sortedPairs(flat: number[]): Uint32Array {
  const n = flat.length / 2;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => flat[2 * a] - flat[2 * b] || flat[2 * a + 1] - flat[2 * b + 1],
  );
  const out = new Uint32Array(flat.length);
  order.forEach((k, i) => {
    out[2 * i] = flat[2 * k];
    out[2 * i + 1] = flat[2 * k + 1];
  });
  return out;
}

/** Offsets of the lines of records with `pid`. */
function offsetsOfPid(pairs: Uint32Array, pid: number): number[] {
  const key = pid >>> 0;
  let lo = 0;
  let hi = pairs.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pairs[2 * mid] < key) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < pairs.length / 2 && pairs[2 * i] === key; i++) out.push(pairs[2 * i + 1]);
  return out;
}

/** Where in the records table each record answering to `name` starts, in file order. */
function rowsOfName(idx: Index, name: string): number[] {
  const names = idx.names();
  const at = names.indexOf(`\n${JSON.stringify(name)}\t`);
  if (at < 0) return [];
  const from = names.indexOf('\t', at + 1) + 1;
  const size = idx.rows().length;
  return names
    .slice(from, names.indexOf('\n', from))
    .split(',')
    .map((row) => Number(row) * ROW)
    .filter((at) => at + ROW <= size);
}

/** The line starting at byte `offset` (without its newline), from the block read last when it holds it. */
function lineAt(fd: number, offset: number, block: { start: number; len: number; buf: Buffer }): string {
  const inBlock = block.start >= 0 && offset >= block.start && offset < block.start + block.len;
  if (inBlock) {
    const nl = block.buf.indexOf(0x0a, offset - block.start);
    if (nl >= 0 && nl < block.len) return block.buf.toString('utf8', offset - block.start, nl);
  }
  block.start = offset;
  block.len = fs.readSync(fd, block.buf, 0, block.buf.length, offset);
  const nl = block.buf.subarray(0, block.len).indexOf(0x0a);
  if (nl >= 0) return block.buf.toString('utf8', 0, nl);
  // A line longer than a block (argv is capped, so only a foreign line): read on until its end.
  const parts: Buffer[] = [Buffer.from(block.buf.subarray(0, block.len))];
  for (let pos = offset + block.len; ;) {
    const more = Buffer.allocUnsafe(64 * 1024);
    const n = fs.readSync(fd, more, 0, more.length, pos);
    if (n === 0) break;
    const end = more.subarray(0, n).indexOf(0x0a);
    parts.push(more.subarray(0, end >= 0 ? end : n));
    if (end >= 0) break;
    pos += n;
  }
  block.start = -1;
  return Buffer.concat(parts).toString('utf8');
}

/** Reads bytes [from, to) of an open file. */
function readRange(fd: number, from: number, to: number): Buffer {
  const buf = Buffer.allocUnsafe(to - from);
  let off = 0;
  while (off < buf.length) {
    const n = fs.readSync(fd, buf, off, buf.length - off, from + off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/** The index last read per file, while the data file is unchanged: one diagnosis asks once per target. */
interface LineCache {
  byOffset: Map<number, string>;
  byName: Map<string, { offsets: Set<number>; lines: string[] }>;
}
const recent = new Map<
  string,
  { dev: number; ino: number; size: number; idx: Index | null; torn: boolean; lines: LineCache }
>();

function answer(
  fd: number,
  idx: Index | null,
  tornTail: boolean,
  pid: number | null,
  name: string | null,
  cache: LineCache,
): RecordsProbe {
  const lines = (idx ? idx.header.lines : 0) + (tornTail ? 1 : 0);
  if (!idx) return { lines, matches: [] };
  // Offsets in file order, read in 64 KiB blocks: records of one name are many and close together.
  const block = { start: -1, len: 0, buf: Buffer.allocUnsafe(64 * 1024) };
  const read = (offsets: number[]): string[] =>
    offsets.map((o) => {
      let line = cache.byOffset.get(o);
      if (line === undefined) cache.byOffset.set(o, (line = lineAt(fd, o, block)));
      return line;
    });
  const byPid = pid !== null ? offsetsOfPid(idx.pairs, pid) : [];
  if (name === null || name === '') return { lines, matches: read(byPid) };
  let named = cache.byName.get(name);
  if (!named) {
    const table = idx.rows();
    const offsets = rowsOfName(idx, name)
      .map((at) => table[at])
      .sort((a, b) => a - b);
    named = { offsets: new Set(offsets), lines: read(offsets) };
    cache.byName.set(name, named);
  }
  // Asked again about the same name (each dead target's records check): the very same list, when the pid
  // adds nothing to it, so callers can keep what they made of it.
  if (byPid.every((o) => named.offsets.has(o))) return { lines, matches: named.lines };
  const all = [...new Set([...named.offsets, ...byPid])].sort((a, b) => a - b);
  return { lines, matches: read(all) };
}

interface Fresh {
  idx: Index | null;
  torn: boolean;
  lines: LineCache;
}

/**
 * The index of the open data file, brought up to date with the bytes appended since it was written (and
 * rewritten where we may write), memoised while the file is unchanged.
 */
function freshIndex(fd: number, dataFile: string, st: fs.Stats): Fresh {
  const own = `${dataFile}.idx`;
  const cached = recent.get(own);
  if (cached && cached.dev === st.dev && cached.ino === st.ino && cached.size === st.size) return cached;
  let idx = readIndex(own, st);
  let adopted = false;
  if (!idx) {
    // Rotation renamed the current file to the rotated name: its index is still under the old name.
    const other = path.join(
      path.dirname(dataFile),
      path.basename(dataFile) === 'records.1.jsonl' ? 'records.jsonl.idx' : 'records.1.jsonl.idx',
    );
    idx = readIndex(other, st);
    adopted = idx !== null;
  }
  const indexed = idx ? idx.header.bytes : 0;
  let tornTail = false;
  if (st.size > indexed) {
    const fresh = readRange(fd, indexed, st.size);
    const lastNl = fresh.lastIndexOf(0x0a);
    tornTail = lastNl < fresh.length - 1;
    if (lastNl >= 0) {
      const flat = idx ? Array.from(idx.pairs) : [];
      const rows = idx ? Array.from(idx.rows()) : [];
      const boots = idx ? [...idx.header.boots] : [];
      const names = nameMap(idx);
      const added = indexLines(fresh.subarray(0, lastNl + 1), indexed, flat, rows, boots, names);
      const header: Header = {
        v: VERSION,
        dev: st.dev,
        ino: st.ino,
        bytes: indexed + lastNl + 1,
        lines: (idx ? idx.header.lines : 0) + added,
        pairs: 0,
        rows: 0,
        boots,
        namesBytes: 0,
      };
      const nameLines = [...names.entries()]
        .map(([n, offs]) => [JSON.stringify(n), offs] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([n, offs]) => `${n}\t${offs.join(',')}`)
        .join('\n');
      const pairs = sortedPairs(flat);
      const table = Float64Array.from(rows);
      writeIndex(own, header, pairs, table, nameLines);
      idx = { header, pairs, names: () => `\n${nameLines}\n`, rows: () => table };
      adopted = false;
    }
  }
  if (adopted && idx) writeIndex(own, idx.header, idx.pairs, idx.rows(), idx.names().slice(1, -1));
  const entry = {
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    idx,
    torn: tornTail,
    lines: { byOffset: new Map(), byName: new Map() },
  };
  recent.set(own, entry);
  return entry;
}

/** Runs `fn` on the open data file (a regular file, not a link), or null when it cannot be read. */
function withDataFile<T>(dataFile: string, fn: (fd: number, st: fs.Stats) => T): T | null {
  let fd: number;
  try {
    fd = fs.openSync(dataFile, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    return st.isFile() ? fn(fd, st) : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The records of `dataFile` about `pid` or answering to `name` (either may be null), and its line count,
 * from its index, brought up to date first. Null when the file cannot be read: the caller then reads it
 * whole, and meets the same error.
 */
export function probeRecords(dataFile: string, pid: number | null, name: string | null): RecordsProbe | null {
  return withDataFile(dataFile, (fd, st) => {
    const f = freshIndex(fd, dataFile, st);
    return answer(fd, f.idx, f.torn, pid, name, f.lines);
  });
}

/**
 * Every record of `dataFile` answering to `name` (comm, argv[0] basename, launch name), as index rows: pid,
 * start time, boot and time of death, without reading a line. `whydied <name>` with thousands of recorded
 * deaths counts them all and reads only the newest few. Null when the file cannot be read.
 */
export function probeNamed(dataFile: string, name: string): NamedRecords | null {
  return withDataFile(dataFile, (fd, st) => {
    const { idx } = freshIndex(fd, dataFile, st);
    const table = idx ? idx.rows() : new Float64Array(0);
    const rows = idx ? rowsOfName(idx, name) : [];
    const n = rows.length;
    const out: NamedRecords = {
      count: n,
      offset: new Float64Array(n),
      pid: new Float64Array(n),
      startTime: new Float64Array(n),
      boot: new Uint32Array(n),
      boots: idx ? idx.header.boots : [],
      timeMs: new Float64Array(n),
      // Read later, when the caller has chosen: the file may have grown since, never shrunk under the same
      // inode (rotation renames it), so an offset still starts the same line.
      line: (offset) => withDataFile(dataFile, (lfd) => readLineAt(lfd, offset)),
    };
    for (let i = 0; i < n; i++) {
      const at = rows[i];
      out.offset[i] = table[at];
      out.pid[i] = table[at + 1];
      out.startTime[i] = table[at + 2];
      out.boot[i] = table[at + 3];
      out.timeMs[i] = table[at + 4];
    }
    return out;
  });
}

function readLineAt(fd: number, offset: number): string {
  return lineAt(fd, offset, { start: -1, len: 0, buf: Buffer.allocUnsafe(4096) });
}
