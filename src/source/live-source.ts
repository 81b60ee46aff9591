/**
 * The live RawSource: reads the real /proc, /sys and /dev/kmsg with sync fs calls, and records every
 * answer (including failures) so `snapshot()` can write a bundle that replays the same diagnosis.
 */
import * as fs from 'fs';
import * as os from 'os';
import { fail, ok } from './types';
import type { RawSource, Read, ReadErrorCode, SocketAndPipeFds } from './types';
import { BUNDLE_FORMAT } from './bundle';
import type { Bundle, EnvRecord, Recorded } from './bundle';
import { probeNamed, probeRecords } from './records/store-index';
import { KMSG_TOTAL_MAX, nativeHelper, readKmsgAhead } from './native-helper';

export interface LiveSource extends RawSource {
  readonly kind: 'live';
  /** Everything read so far, as a bundle for `meta.query` / `meta.pid`. */
  snapshot(meta: { query: string; pid: number | null }): Bundle;
}

export interface LiveSourceOptions {
  /** Read `/proc/...` paths from here instead (tests); recorded under the original path. */
  procRoot?: string;
  /**
   * Answer records lookups from the store's key index (default true). A capture turns it off: a bundle
   * must hold the records files themselves to replay the same answer.
   */
  recordsIndex?: boolean;
  /**
   * Keep every answer for `snapshot()` (default false). Only a capture asks for it: a diagnosis that keeps
   * the text of every /proc file it read holds tens of MB at 10,000 processes, and the garbage collector
   * pays for each of them.
   */
  record?: boolean;
  /**
   * Start reading /dev/kmsg at once, on a thread of the native helper, for a diagnosis that will read it
   * (default false).
   */
  readKmsgAhead?: boolean;
}

const KNOWN_CODES: readonly ReadErrorCode[] = ['ENOENT', 'EACCES', 'EPERM', 'ESRCH', 'EINVAL'];
const KMSG_RECORD_MAX = 16 * 1024;

function errorRead<T>(err: unknown, what: string): Read<T> {
  const e = err as NodeJS.ErrnoException;
  const code = (KNOWN_CODES as readonly string[]).includes(e.code ?? '') ? (e.code as ReadErrorCode) : 'EOTHER';
  const why = e.code ?? (e instanceof Error ? e.message : String(err));
  return fail(code, `${what}: ${why}`);
}

/** One buffer for every small read: a diagnosis reads a few files per process, 10,000 processes included. */
let shared: Buffer | null = null;
const SHARED_BYTES = 64 * 1024;

/**
 * Per-process files the kernel generates whole on the first read (single_open and friends): a read
 * shorter than asked is their end. Anything else under /proc (net/tcp, smaps, mountinfo) hands out a
 * page or so per read whatever was asked, and is read until read() says 0: stopping at the first short
 * read there loses every TCP listener after the first ~27.
 */
const SINGLE_SHOT =
  /^\/proc\/\d+\/(?:stat|statm|status|oom_score|oom_score_adj|cmdline|comm|cgroup|loginuid|sessionid)$/;

/**
 * A whole /proc file as UTF-8, with fewer system calls than fs.readFileSync (which fstats first and, as
 * /proc sizes read 0, allocates for an unknown size): open, read into one shared buffer, close.
 */
function readProcFile(file: string, singleShot: boolean): string {
  const buf = (shared ??= Buffer.allocUnsafe(SHARED_BYTES));
  const fd = fs.openSync(file, fs.constants.O_RDONLY);
  try {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0 || (singleShot && n < buf.length)) return buf.toString('utf8', 0, n);
    const parts: Buffer[] = [Buffer.from(buf.subarray(0, n))];
    for (;;) {
      const more = Buffer.allocUnsafe(SHARED_BYTES);
      const m = fs.readSync(fd, more, 0, more.length, null);
      if (m === 0) break;
      parts.push(more.subarray(0, m));
    }
    return Buffer.concat(parts).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** errno number -> name (`2` -> `ENOENT`), for the native helper's -errno answers. */
let errnoNames: Map<number, string> | null = null;
function errnoName(n: number): string {
  errnoNames ??= new Map(Object.entries(os.constants.errno).map(([name, value]) => [value, name]));
  return errnoNames.get(n) ?? `errno ${n}`;
}

function recordOf<T>(r: Read<T>): Recorded<T> {
  return r.ok ? r.value : { error: r.code, message: r.message };
}

export function createLiveSource(opts: LiveSourceOptions = {}): LiveSource {
  const procRoot = opts.procRoot;
  const keep = opts.record === true;
  // This source's own read ahead: taken by its first readKmsg, never by another source's.
  let kmsgAhead = opts.readKmsgAhead === true && readKmsgAhead();
  const texts: Record<string, Recorded<string>> = {};
  const links: Record<string, Recorded<string>> = {};
  const dirs: Record<string, Recorded<string[]>> = {};
  const env: Record<string, Recorded<EnvRecord>> = {};
  const commands: Record<string, Recorded<string>> = {};
  let kmsg: Recorded<string> | null = null;
  let firstNow: number | null = null;

  const real = (path: string): string =>
    procRoot !== undefined && (path === '/proc' || path.startsWith('/proc/'))
      ? procRoot + path.slice('/proc'.length)
      : path;

  function attempt<T>(what: string, fn: () => T): Read<T> {
    try {
      return ok(fn());
    } catch (err) {
      return errorRead<T>(err, what);
    }
  }

  function readKmsgLive(): Read<string> {
    const native = nativeHelper();
    if (native) {
      try {
        const take = kmsgAhead ? native.takeKmsg : undefined;
        kmsgAhead = false;
        const buf = take ? take.call(native, KMSG_TOTAL_MAX) : native.readKmsg(KMSG_TOTAL_MAX);
        return ok(buf.toString('utf8'));
      } catch (err) {
        return errorRead(err, '/dev/kmsg');
      }
    }
    return readKmsgJs();
  }

  function readKmsgJs(): Read<string> {
    let fd: number;
    try {
      fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      return errorRead(err, '/dev/kmsg');
    }
    try {
      // Records land one after another in one growing buffer, decoded once at the end: ~1,500 records
      // each made into a string of its own cost more than reading them.
      let buf = Buffer.allocUnsafe(1024 * 1024);
      let total = 0;
      // Each read() returns exactly one record; EAGAIN means we reached the end of the buffer.
      while (total < KMSG_TOTAL_MAX) {
        if (buf.length - total < KMSG_RECORD_MAX + 1) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, total);
          buf = bigger;
        }
        let n: number;
        try {
          n = fs.readSync(fd, buf, total, KMSG_RECORD_MAX, null);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') break;
          // EPIPE: records we were about to read were overwritten; the next read resumes at the oldest.
          if (code === 'EPIPE') continue;
          if (code === 'EINTR') continue;
          throw err;
        }
        if (n === 0) break;
        total += n;
        if (buf[total - 1] !== 0x0a) buf[total++] = 0x0a;
      }
      return ok(buf.toString('utf8', 0, total));
    } catch (err) {
      return errorRead(err, '/dev/kmsg');
    } finally {
      fs.closeSync(fd);
    }
  }

  function runCommand(argv: readonly string[], timeoutMs: number): Read<string> {
    if (argv.length === 0) return fail('EINVAL', 'empty command');
    // Loaded here, not at the top: child_process brings net and stream (~5 ms), and most runs spawn nothing.
    const { spawnSync } = require('child_process') as typeof import('child_process');
    const res = spawnSync(argv[0], argv.slice(1), {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    if (res.error) {
      const code = (res.error as NodeJS.ErrnoException).code;
      if (code === 'ETIMEDOUT') return fail('EOTHER', `${argv[0]}: timed out after ${timeoutMs} ms`);
      return errorRead(res.error, argv[0]);
    }
    if (res.signal) return fail('EOTHER', `${argv[0]}: killed by ${res.signal}`);
    if (res.status !== 0) {
      const line = (res.stderr ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
      return fail('EOTHER', `${argv[0]} exited with status ${res.status}${line ? `: ${line.trim()}` : ''}`);
    }
    return ok(res.stdout ?? '');
  }

  return {
    kind: 'live',
    readText(path) {
      const r = attempt(path, () =>
        path.startsWith('/proc/')
          ? readProcFile(real(path), SINGLE_SHOT.test(path))
          : fs.readFileSync(real(path), 'utf8'),
      );
      if (keep) texts[path] = recordOf(r);
      return r;
    },
    readTexts(paths) {
      const native = procRoot === undefined ? nativeHelper() : null;
      const answers = native?.readFiles?.(paths) ?? null;
      if (answers === null || answers.length !== paths.length) return paths.map((p) => this.readText(p));
      return answers.map((a, i) => {
        // The same Read the one-by-one path gives: the errno's name, mapped as errorRead maps it.
        const r: Read<string> = typeof a === 'string' ? ok(a) : errorRead({ code: errnoName(-a) }, paths[i]);
        if (keep) texts[paths[i]] = recordOf(r);
        return r;
      });
    },
    socketAndPipeFds(pids): SocketAndPipeFds | null {
      // A capture keeps every fd link it read; the bulk pass reads links it does not return.
      const native = procRoot === undefined && !keep ? nativeHelper() : null;
      if (!native?.socketAndPipeFds) return null;
      const r = native.socketAndPipeFds(Int32Array.from(pids));
      const unreadable = new Set<number>();
      r.pids.forEach((v, i) => {
        if (v < 0) unreadable.add(pids[i]);
      });
      return { unreadable, holders: r.holders };
    },
    // A capture keeps the texts it read (a replay parses them): these bulk reads keep none.
    statFields() {
      const native = procRoot === undefined && !keep ? nativeHelper() : null;
      if (!native?.statFields) return null;
      try {
        return native.statFields();
      } catch {
        return null; // /proc unlistable: the process table reports it as the JavaScript reader does
      }
    },
    namedFields(name) {
      const native = procRoot === undefined && !keep ? nativeHelper() : null;
      if (!native?.namedFields) return null;
      try {
        return native.namedFields(name);
      } catch {
        return null;
      }
    },
    oomScores(pids) {
      const native = procRoot === undefined && !keep ? nativeHelper() : null;
      return native?.oomScores ? native.oomScores(Int32Array.from(pids)) : null;
    },
    readLink(path) {
      const r = attempt(path, () => fs.readlinkSync(real(path), 'utf8'));
      if (keep) links[path] = recordOf(r);
      return r;
    },
    listDir(path) {
      const r = attempt(path, () => fs.readdirSync(real(path), 'utf8'));
      if (keep) dirs[path] = recordOf(r);
      return r;
    },
    envNames(pid, wanted) {
      const path = `/proc/${pid}/environ`;
      const r = attempt(path, () => {
        const names: string[] = [];
        // Values are in memory only inside this block; only the names we were asked about leave it.
        // A wanted `NAME=VALUE` (a public escape value such as `BUILD_ID=dontKillMe`) matches only that exact
        // entry: it tells whether the variable holds the escape without any value leaving this block.
        for (const entry of fs.readFileSync(real(path), 'utf8').split('\0')) {
          const eq = entry.indexOf('=');
          const name = eq < 0 ? entry : entry.slice(0, eq);
          for (const w of wanted) {
            const hit = w.includes('=') ? entry === w : w === name && name !== '';
            if (hit && !names.includes(w)) names.push(w);
          }
        }
        return names;
      });
      const key = String(pid);
      const prev = env[key];
      if (!r.ok) {
        env[key] = recordOf(r);
      } else {
        // Merge with earlier asks so a replay can answer any of them.
        const before = prev !== undefined && 'wanted' in prev ? prev : { wanted: [], names: [] };
        const allWanted = [...new Set([...before.wanted, ...wanted])].sort();
        const allNames = [...new Set([...before.names.filter((n) => !wanted.includes(n)), ...r.value])].sort();
        env[key] = { wanted: allWanted, names: allNames };
      }
      return r;
    },
    readKmsg() {
      const r = readKmsgLive();
      if (keep) kmsg = recordOf(r);
      return r;
    },
    command(argv, timeoutMs = 5000) {
      const r = runCommand(argv, timeoutMs);
      if (keep) commands[JSON.stringify(argv)] = recordOf(r);
      return r;
    },
    ...(opts.recordsIndex === false
      ? {}
      : {
          recordsProbe: (file: string, pid: number | null, name: string | null) => probeRecords(file, pid, name),
          recordsNamed: (file: string, name: string) => probeNamed(file, name),
        }),
    hostname: () => os.hostname(),
    now() {
      const t = Date.now();
      if (firstNow === null) firstNow = t;
      return t;
    },
    snapshot(meta) {
      if (!keep) throw new Error('snapshot() needs createLiveSource({ record: true })');
      // A replay's now() is the moment the diagnosis first asked for the time, so ages match.
      const at = firstNow ?? Date.now();
      return {
        format: BUNDLE_FORMAT,
        capturedAt: new Date(at).toISOString(),
        capturedAtMs: at,
        hostname: os.hostname(),
        target: { query: meta.query, pid: meta.pid },
        texts: { ...texts },
        links: { ...links },
        dirs: { ...dirs },
        env: { ...env },
        kmsg,
        commands: { ...commands },
      };
    },
  };
}
