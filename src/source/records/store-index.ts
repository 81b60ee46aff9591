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
 * Layout: one JSON header line; (pid int32 LE, offset uint32 LE) pairs sorted by pid then offset; then one
 * line per name, sorted: the JSON-quoted name (a comm may hold a newline), a tab, comma-separated offsets.
 */
import * as fs from 'fs';
import * as path from 'path';
import { launchName } from './record-name';
import type { DeathRecord } from './types';

const VERSION = 2;
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
    if (size !== start + header.pairs * 8 + header.namesBytes) return null;
    // Read straight into an aligned buffer: a typed view needs 4-byte alignment, the file offset has none.
    const pairs = new Uint32Array(header.pairs * 2);
    const bytes = new Uint8Array(pairs.buffer);
    for (let off = 0; off < bytes.length;) {
      const n = fs.readSync(fd, bytes, off, bytes.length - off, start + off);
      if (n === 0) return null;
      off += n;
    }
    const namesAt = start + header.pairs * 8;
    const names = lazy(() => {
      try {
        const nfd = fs.openSync(file, fs.constants.O_RDONLY | O_NOFOLLOW);
        try {
          const buf = Buffer.allocUnsafe(header.namesBytes);
          let off = 0;
          while (off < buf.length) {
            const n = fs.readSync(nfd, buf, off, buf.length - off, namesAt + off);
            if (n === 0) break;
            off += n;
          }
          return `\n${buf.toString('utf8', 0, off)}\n`;
        } finally {
          fs.closeSync(nfd);
        }
      } catch {
        return '\n\n';
      }
    });
    return { header, pairs, names };
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function writeIndex(file: string, header: Header, pairs: Uint32Array, nameLines: string): void {
  const namesBuf = Buffer.from(nameLines, 'utf8');
  const head = Buffer.from(
    JSON.stringify({ ...header, pairs: pairs.length / 2, namesBytes: namesBuf.length }) + '\n',
    'utf8',
  );
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, 0o600);
    try {
      fs.writeSync(fd, Buffer.concat([head, Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength), namesBuf]));
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
function indexLines(chunk: Buffer, base: number, pairs: number[], names: Map<string, number[]>): number {
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
    const keys = new Set<string>();
    if (typeof r.comm === 'string') keys.add(r.comm);
    if (Array.isArray(r.argvHead) && typeof r.argvHead[0] === 'string') keys.add(basename(r.argvHead[0]));
    const launch = launchName(r);
    if (launch !== null) keys.add(launch);
    for (const k of keys) {
      const list = names.get(k);
      if (list) list.push(offset);
      else names.set(k, [offset]);
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

function offsetsOfName(names: string, name: string): number[] {
  const at = names.indexOf(`\n${JSON.stringify(name)}\t`);
  if (at < 0) return [];
  const from = names.indexOf('\t', at + 1) + 1;
  return names.slice(from, names.indexOf('\n', from)).split(',').map(Number);
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
    const offsets = offsetsOfName(idx.names(), name).sort((a, b) => a - b);
    named = { offsets: new Set(offsets), lines: read(offsets) };
    cache.byName.set(name, named);
  }
  // Asked again about the same name (each dead target's records check): the very same list, when the pid
  // adds nothing to it, so callers can keep what they made of it.
  if (byPid.every((o) => named.offsets.has(o))) return { lines, matches: named.lines };
  const all = [...new Set([...named.offsets, ...byPid])].sort((a, b) => a - b);
  return { lines, matches: read(all) };
}

/**
 * The records of `dataFile` about `pid` or answering to `name` (either may be null), and its line count,
 * from its index, brought up to date first. Null when the file cannot be read: the caller then reads it
 * whole, and meets the same error.
 */
export function probeRecords(dataFile: string, pid: number | null, name: string | null): RecordsProbe | null {
  let fd: number;
  try {
    fd = fs.openSync(dataFile, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    const own = `${dataFile}.idx`;
    const cached = recent.get(own);
    if (cached && cached.dev === st.dev && cached.ino === st.ino && cached.size === st.size)
      return answer(fd, cached.idx, cached.torn, pid, name, cached.lines);
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
        const names = nameMap(idx);
        const added = indexLines(fresh.subarray(0, lastNl + 1), indexed, flat, names);
        const header: Header = {
          v: VERSION,
          dev: st.dev,
          ino: st.ino,
          bytes: indexed + lastNl + 1,
          lines: (idx ? idx.header.lines : 0) + added,
          pairs: 0,
          namesBytes: 0,
        };
        const nameLines = [...names.entries()]
          .map(([n, offs]) => [JSON.stringify(n), offs] as const)
          .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .map(([n, offs]) => `${n}\t${offs.join(',')}`)
          .join('\n');
        const pairs = sortedPairs(flat);
        writeIndex(own, header, pairs, nameLines);
        idx = { header, pairs, names: () => `\n${nameLines}\n` };
        adopted = false;
      }
    }
    if (adopted && idx) writeIndex(own, idx.header, idx.pairs, idx.names().slice(1, -1));
    const lines: LineCache = { byOffset: new Map(), byName: new Map() };
    recent.set(own, { dev: st.dev, ino: st.ino, size: st.size, idx, torn: tornTail, lines });
    return answer(fd, idx, tornTail, pid, name, lines);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
