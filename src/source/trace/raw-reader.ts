/**
 * Reading an instance's events in binary: `per_cpu/cpuN/trace_pipe_raw`, one ring-buffer page per read(2)
 * (kernel/trace/trace.c tracing_buffers_read(): a whole sub-buffer, or -EAGAIN on an O_NONBLOCK fd when the
 * CPU's buffer is empty). Nothing in a binary record is text another process shapes: a comm or file name
 * is a length-bounded field, so a name holding newlines can never make or hide a record (it can in the
 * text of trace_pipe, which prints names raw).
 *
 * Each CPU's pages arrive in order; CPUs are merged by timestamp, the way trace_pipe merges them. A record
 * committed on one CPU just after that CPU was read could otherwise come after a later record of another
 * CPU, read later in the same round: the reader may be preempted between two CPUs' reads for any time on a
 * loaded host (seen: a hook's child's fork released after the grandchild's exit). So a round releases only
 * records no newer than what earlier rounds had already read (every record stamped before that was
 * committed before this round began, so this round has read it) and than (the newest read - HOLD_NS); a
 * round that reads nothing new releases everything held (the buffers were empty: nothing older can still
 * arrive). A CPU left with unread pages (the per-round bound) also holds back every record newer than its
 * last one.
 *
 * Polled (O_NONBLOCK, a short timer, shorter while records flow): a blocking read would park a libuv pool
 * thread inside the kernel with no way to cancel it, and rmdir of the instance is EBUSY while any per-CPU
 * file is open, so stopping could hang. Idle, a round costs one read(2) per CPU every IDLE_MS.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodePage, PageInfo } from './ring-page';
import type { RingLayout } from './format';
import type { IntReader } from './fields';

/** Decode one record (data at `base`, `size` bytes); null for a record the caller does not model. */
export type RecordDecoder<T> = (buf: Buffer, base: number, size: number, tsNs: number, cpu: number) => T | null;

export interface RawReaderOptions<T> {
  layout: RingLayout;
  /** common_type of a record (from any event's format: the common fields are shared). */
  typeOf: IntReader;
  /** Decoders by event id. Records of other ids are skipped. */
  decoders: ReadonlyMap<number, RecordDecoder<T>>;
  onEvent: (ev: T) => void;
  /** A page flagged RB_MISSED_EVENTS: `count` when the kernel stored it, else null (at least one). */
  onLost: (count: number | null, cpu: number) => void;
  /** A record or page that did not decode (bounds): counted, never thrown. */
  onBad?: (what: string) => void;
}

export interface RawReader {
  /** Read and deliver everything buffered now, nothing held back (before teardown). */
  drain(): void;
  close(): void;
  readonly closed: boolean;
  readonly stats: RawReaderStats;
}

export interface RawReaderStats {
  pages: number;
  records: number;
  /** Pages flagged RB_MISSED_EVENTS. */
  missedPages: number;
  badRecords: number;
}

interface Held<T> {
  ts: number;
  cpu: number;
  seq: number;
  ev: T;
}

const IDLE_MS = 20;
/** Pages read per CPU per round: bounds one round's work so the event loop keeps turning under a flood. */
const PAGES_PER_ROUND = 32;
/** How long a record waits for older records of other CPUs (ns). Far above one round's read time. */
export const HOLD_NS = 10e6;
/** At most this many rounds in drain(): 64 MB of pages per CPU, more than any buffer whydied sets. */
const DRAIN_ROUNDS = 512;

interface CpuFile {
  cpu: number;
  fd: number;
}

function openCpus(instanceDir: string): CpuFile[] {
  const dir = path.join(instanceDir, 'per_cpu');
  const out: CpuFile[] = [];
  let firstError: Error | null = null;
  for (const name of fs.readdirSync(dir)) {
    const m = /^cpu(\d+)$/.exec(name);
    if (!m) continue;
    try {
      const fd = fs.openSync(path.join(dir, name, 'trace_pipe_raw'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      out.push({ cpu: Number(m[1]), fd });
    } catch (e) {
      // A possible but absent CPU may refuse; the online ones are what can produce events.
      firstError ??= e as Error;
    }
  }
  if (out.length === 0) throw new Error(`no per-CPU buffer of ${dir} opens: ${firstError?.message ?? 'none listed'}`);
  return out.sort((a, b) => a.cpu - b.cpu);
}

function byTime<T>(a: Held<T>, b: Held<T>): number {
  return a.ts - b.ts || a.seq - b.seq;
}

export function openRawReader<T>(instanceDir: string, opts: RawReaderOptions<T>): RawReader {
  const cpus = openCpus(instanceDir);
  const { layout } = opts;
  const page = Buffer.alloc(layout.pageSize);
  const stats: RawReaderStats = { pages: 0, records: 0, missedPages: 0, badRecords: 0 };
  let held: Array<Held<T>> = [];
  /** The newest stamp read by the end of the previous round. */
  let readBefore = -Infinity;
  let seq = 0;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;

  const bad = (what: string): void => {
    stats.badRecords++;
    opts.onBad?.(what);
  };

  /** Read up to `maxPages` pages of one CPU into `out`. Returns true when the CPU may have more. */
  const readCpu = (c: CpuFile, maxPages: number, out: Array<Held<T>>): boolean => {
    for (let i = 0; i < maxPages; i++) {
      let n: number;
      try {
        n = fs.readSync(c.fd, page, 0, page.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return false;
        throw e;
      }
      if (n <= 0) return false;
      stats.pages++;
      const info: PageInfo = decodePage(page, n, layout, (ts, base, size) => {
        stats.records++;
        let ev: T | null = null;
        try {
          const dec = opts.decoders.get(opts.typeOf(page, base, size));
          if (dec) ev = dec(page, base, size, ts, c.cpu);
        } catch (e) {
          bad((e as Error).message);
        }
        if (ev !== null) out.push({ ts, cpu: c.cpu, seq: seq++, ev });
      });
      if (info.malformed) bad(`page of cpu${c.cpu} did not decode to its end`);
      if (info.missed) {
        stats.missedPages++;
        opts.onLost(info.missedCount, c.cpu);
      }
    }
    return true;
  };

  /** One round over every CPU. Returns true when some CPU was left with unread pages. */
  const round = (maxPages: number, release: 'hold' | 'all'): boolean => {
    const fresh: Array<Held<T>> = [];
    let newest = -Infinity;
    let limit = Infinity;
    let more = false;
    for (const c of cpus) {
      const before = fresh.length;
      const left = readCpu(c, maxPages, fresh);
      if (fresh.length > before) newest = Math.max(newest, fresh[fresh.length - 1].ts);
      if (left) {
        more = true;
        // Unread pages of this CPU are newer than what was read of it: nothing later may go first.
        if (fresh.length > before) limit = Math.min(limit, fresh[fresh.length - 1].ts);
        else limit = -Infinity;
      }
    }
    if (fresh.length === 0 && held.length === 0) return more;
    const all = held.length ? held.concat(fresh) : fresh;
    all.sort(byTime);
    let cut: number;
    const earlier = readBefore;
    readBefore = Math.max(readBefore, newest);
    if (release === 'all' || (fresh.length === 0 && !more)) cut = all.length;
    else {
      const until = Math.min(earlier, newest - HOLD_NS, limit);
      cut = 0;
      while (cut < all.length && all[cut].ts <= until) cut++;
    }
    held = cut < all.length ? all.slice(cut) : [];
    for (let i = 0; i < cut && !closed; i++) opts.onEvent(all[i].ev);
    return more;
  };

  const tick = (): void => {
    timer = null;
    if (closed) return;
    let more = false;
    try {
      more = round(PAGES_PER_ROUND, 'hold');
    } finally {
      if (!closed) timer = setTimeout(tick, more ? 0 : IDLE_MS);
    }
  };
  timer = setTimeout(tick, 0);

  return {
    drain() {
      if (closed) return;
      // Every CPU read dry, within a bound: a flood that outpaces the reader must not hold teardown.
      for (let i = 0; i < DRAIN_ROUNDS && round(PAGES_PER_ROUND, 'hold'); i++) {
        /* keep reading */
      }
      round(0, 'all');
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      for (const c of cpus) {
        try {
          fs.closeSync(c.fd);
        } catch {
          /* already closed */
        }
      }
    },
    get closed() {
      return closed;
    },
    stats,
  };
}
