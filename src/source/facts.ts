/**
 * Facts: parsed, memoised views over one RawSource. Each path is read at most once per Facts, so
 * every check in a diagnosis sees the same answer, and a live capture records exactly what was used.
 */
import { readHostTools } from './host-tools';
import { fail, ok } from './types';
import type {
  CgroupEntry,
  Facts,
  FdInfo,
  FileWriter,
  HostFacts,
  ProcRow,
  ProcStat,
  ProcStatus,
  ProcessFacts,
  RawSource,
  Read,
  TcpListener,
} from './types';
import { parseStat, PF_KTHREAD } from './parse-stat';
import { parseStatus } from './parse-status';
import { decodeTtyNr } from './tty';
import { parseCgroupFile } from './parse-cgroup';
import { classifyFdTarget } from './fd-target';
import { parseTcpListeners } from './parse-net';
import {
  parseArgv0,
  parseBootTime,
  parseCmdline,
  parseFdinfoMode,
  parseIntFile,
  parseLineFile,
  parseUptime,
} from './parse-host';
import { readMemoryCgroup } from './memory-cgroup';
import { findPtyMaster } from './pty-master';
import { readUnixPeers } from './unix-peers';
import { parseFdinfoPosFlags, parseLimits, parseStatPolicy, type ProcLimits } from './parse-limits';

const CLOCK_TICKS = 100;
/** PID_MAX_LIMIT on 64-bit: the upper bound when pid_max cannot be read. */
const PID_MAX_FALLBACK = 4194304;

function memo<K, V>(fn: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key: K) => {
    if (cache.has(key)) return cache.get(key) as V;
    const v = fn(key);
    cache.set(key, v);
    return v;
  };
}

function once<V>(fn: () => V): () => V {
  let done = false;
  let value: V;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

function map<A, B>(r: Read<A>, fn: (a: A) => B): Read<B> {
  return r.ok ? ok(fn(r.value)) : r;
}

interface FdHolder {
  pid: number;
  fd: number;
}

/** Fewer files than this are read one by one: a batch costs a thread start. */
const BATCH_MIN = 64;
/** At most this many open files' fdinfo are read for their write position (bounded work per diagnosis). */
const MAX_WRITERS_READ = 64;

export function createFacts(raw: RawSource): Facts {
  const texts = new Map<string, Read<string>>();
  const text = (path: string): Read<string> => {
    let r = texts.get(path);
    if (r === undefined) {
      r = raw.readText(path);
      texts.set(path, r);
    }
    return r;
  };
  /** Read the paths not read yet in one batch (the source's readTexts), into the memo. */
  const prefetch = (paths: readonly string[]): void => {
    if (!raw.readTexts) return;
    const missing = paths.filter((p) => !texts.has(p));
    if (missing.length < BATCH_MIN) return;
    const answers = raw.readTexts(missing);
    for (let i = 0; i < missing.length; i++) texts.set(missing[i], answers[i]);
  };
  const link = memo((path: string) => raw.readLink(path));
  const dir = memo((path: string) => raw.listDir(path));

  const host = once((): HostFacts => {
    const val = <T>(path: string, parse: (t: string) => T | null): T | null => {
      const r = text(path);
      return r.ok ? parse(r.value) : null;
    };
    return {
      hostname: raw.hostname(),
      kernel: val('/proc/sys/kernel/osrelease', parseLineFile) ?? '',
      bootId: val('/proc/sys/kernel/random/boot_id', parseLineFile) ?? '',
      bootTime: val('/proc/stat', parseBootTime) ?? 0,
      pidMax: val('/proc/sys/kernel/pid_max', parseIntFile) ?? PID_MAX_FALLBACK,
      clockTicks: CLOCK_TICKS,
      uptimeSeconds: val('/proc/uptime', parseUptime) ?? 0,
    };
  });

  const stat = memo((pid: number): Read<ProcStat> => {
    const r = text(`/proc/${pid}/stat`);
    if (!r.ok) return r;
    const parsed = parseStat(r.value);
    return parsed ? ok(parsed) : fail('EOTHER', `/proc/${pid}/stat: unparseable`);
  });

  const status = memo((pid: number): Read<ProcStatus> => {
    const r = text(`/proc/${pid}/status`);
    if (!r.ok) return r;
    const parsed = parseStatus(r.value);
    if (!parsed) return fail('EOTHER', `/proc/${pid}/status: unparseable`);
    if (parsed.kthread === null) {
      // Older kernels have no Kthread: line; PF_KTHREAD in stat flags says the same.
      const s = stat(pid);
      if (s.ok) return ok({ ...parsed, kthread: (s.value.flags & PF_KTHREAD) !== 0 });
    }
    return ok(parsed);
  });

  const argv = memo((pid: number): Read<string[]> => map(text(`/proc/${pid}/cmdline`), parseCmdline));

  const process = memo((pid: number): ProcessFacts | null => {
    const s = stat(pid);
    if (!s.ok) return null;
    const h = host();
    return {
      pid,
      stat: s.value,
      status: status(pid),
      argv: argv(pid),
      exe: link(`/proc/${pid}/exe`),
      cwd: link(`/proc/${pid}/cwd`),
      startedAtMs: Math.round((h.bootTime + s.value.startTime / h.clockTicks) * 1000),
      identity: { pid, startTime: s.value.startTime, bootId: h.bootId },
      tty: decodeTtyNr(s.value.ttyNr),
    };
  });

  function fdInfo(pid: number, fd: number): Read<FdInfo> {
    const r = link(`/proc/${pid}/fd/${fd}`);
    if (!r.ok) return r;
    return ok({ fd, target: r.value, ...classifyFdTarget(r.value) });
  }

  const fdsMemo = memo((key: string): Read<FdInfo[]> => {
    const [pidText, mode] = key.split(':');
    const pid = Number(pidText);
    if (mode === 'all') {
      const d = dir(`/proc/${pid}/fd`);
      if (!d.ok) return d;
      const out: FdInfo[] = [];
      for (const fd of d.value
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .sort((a, b) => a - b)) {
        const info = fdInfo(pid, fd);
        if (info.ok) out.push(info.value);
        else if (info.code !== 'ENOENT') return info; // ENOENT: closed between listing and reading
      }
      return ok(out);
    }
    const out: FdInfo[] = [];
    for (const fd of [0, 1, 2]) {
      const info = fdInfo(pid, fd);
      if (info.ok) {
        out.push(info.value);
        continue;
      }
      if (info.code !== 'ENOENT') return info;
      // ENOENT for one fd means it is closed — unless the whole process is gone.
      if (!stat(pid).ok) return fail('ENOENT', `process ${pid} is gone`);
      out.push({ fd, kind: 'closed', target: '' });
    }
    return ok(out);
  });

  const cgroups = memo((pid: number): Read<CgroupEntry[]> => map(text(`/proc/${pid}/cgroup`), parseCgroupFile));

  const intFile = (path: string, what: string): Read<number> => {
    const r = text(path);
    if (!r.ok) return r;
    const t = r.value.trim();
    return /^-?\d+$/.test(t) ? ok(Number(t)) : fail('EOTHER', `${what}: unparseable`);
  };

  // Ranking every process by OOM score needs only oom_score: one file per process, not two.
  const oomScoreMemo = new Map<number, Read<number>>();
  const oomScoreOnly = (pid: number): Read<number> => {
    let r = oomScoreMemo.get(pid);
    if (r === undefined) {
      r = intFile(`/proc/${pid}/oom_score`, `/proc/${pid}/oom_score`);
      oomScoreMemo.set(pid, r);
    }
    return r;
  };

  const oomScore = memo((pid: number): Read<{ score: number; adj: number }> => {
    const score = oomScoreOnly(pid);
    if (!score.ok) return score;
    const adj = intFile(`/proc/${pid}/oom_score_adj`, `/proc/${pid}/oom_score`);
    if (!adj.ok) return adj;
    return ok({ score: score.value, adj: adj.value });
  });

  const envNames = memo((key: string): Read<string[]> => {
    const { pid, wanted } = JSON.parse(key) as { pid: number; wanted: string[] };
    return raw.envNames(pid, wanted);
  });

  let tableRead = false;
  const processTable = once((): ProcStat[] => {
    tableRead = true;
    const d = dir('/proc');
    if (!d.ok) return [];
    const pids = d.value.filter((name) => /^\d+$/.test(name)).map(Number);
    prefetch(pids.map((pid) => `/proc/${pid}/stat`));
    const out: ProcStat[] = [];
    for (const pid of pids) {
      const s = stat(pid);
      if (s.ok) out.push(s.value);
    }
    return out.sort((a, b) => a.pid - b.pid);
  });

  /** Rows of a numbers-only scan, `width` numbers per process (the first five are a ProcRow's). */
  const rowsOf = (f: Float64Array, width: number): ProcRow[] => {
    const rows: ProcRow[] = [];
    for (let i = 0; i + width - 1 < f.length; i += width)
      rows.push({ pid: f[i], ppid: f[i + 1], pgrp: f[i + 2], session: f[i + 3], flags: f[i + 4] });
    return rows;
  };
  /** The rows a name scan brought (processesNamed): the same pass answers processRows. */
  let namedRows: ProcRow[] | null = null;

  const processRows = once((): readonly ProcRow[] => {
    if (namedRows !== null) return namedRows;
    // The table, when something needed every stat already (a :PORT query, a capture): one pass, one answer.
    const f = tableRead ? null : (raw.statFields?.() ?? null);
    return f === null ? processTable() : rowsOf(f, 5);
  });

  const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  const processesNamed = memo((name: string): number[] => {
    // The native scan compares bytes: a name no UTF-8 text can equal byte for byte (a NUL, U+FFFD, which
    // stands for undecodable bytes in the texts read here, a lone surrogate) is matched here, as text.
    const bytewise = !tableRead && namedRows === null && !/[\0\uFFFD\uD800-\uDFFF]/.test(name);
    const f = bytewise ? (raw.namedFields?.(name) ?? null) : null;
    if (f !== null) {
      namedRows = rowsOf(f, 6);
      const out: number[] = [];
      for (let i = 0; i + 5 < f.length; i += 6) if (f[i + 5] === 1) out.push(f[i]);
      return out;
    }
    const table = processTable();
    // argv[0] is read only where comm does not already match: in one batch.
    prefetch(table.filter((s) => s.comm !== name).map((s) => `/proc/${s.pid}/cmdline`));
    return table
      .filter((s) => {
        if (s.comm === name) return true;
        const cmdline = text(`/proc/${s.pid}/cmdline`);
        const argv0 = cmdline.ok ? parseArgv0(cmdline.value) : null;
        return argv0 !== null && (argv0 === name || basename(argv0) === name);
      })
      .map((s) => s.pid);
  });

  const sessionMembers = memo((sid: number): ProcStat[] => {
    const rows = processRows();
    if (tableRead) return processTable().filter((s) => s.session === sid);
    // Rows from the scan keep no text: the members' stats (usually a few) are read whole now.
    const pids = rows.filter((r) => r.session === sid).map((r) => r.pid);
    prefetch(pids.map((pid) => `/proc/${pid}/stat`));
    const out: ProcStat[] = [];
    for (const pid of pids) {
      const s = stat(pid);
      // Left the session between the scan and this read: no longer a member.
      if (s.ok && s.value.session === sid) out.push(s.value);
    }
    return out;
  });

  const oomScores = (pids: readonly number[]): Array<number | null> => {
    const bulk = pids.length >= BATCH_MIN ? (raw.oomScores?.(pids) ?? null) : null;
    if (bulk !== null && bulk.length === pids.length) {
      return pids.map((pid, i) => {
        // A score read before (the target's) stands; a new one is the answer of a later oomScoreOnly too.
        const before = oomScoreMemo.get(pid);
        if (before !== undefined) return before.ok ? before.value : null;
        if (Number.isNaN(bulk[i])) return null;
        oomScoreMemo.set(pid, ok(bulk[i]));
        return bulk[i];
      });
    }
    prefetch(pids.map((pid) => `/proc/${pid}/oom_score`));
    return pids.map((pid) => {
      const r = oomScoreOnly(pid);
      return r.ok ? r.value : null;
    });
  };

  const readAhead = (file: 'stat' | 'oom_score' | 'cmdline', pids: readonly number[]): void =>
    prefetch(pids.map((pid) => `/proc/${pid}/${file}`));

  const descendants = memo((pid: number): number[] => {
    const children = new Map<number, number[]>();
    for (const s of processTable()) {
      const list = children.get(s.ppid) ?? [];
      list.push(s.pid);
      children.set(s.ppid, list);
    }
    const out: number[] = [];
    const seen = new Set<number>([pid]);
    const queue = [pid];
    while (queue.length > 0) {
      const p = queue.shift() as number;
      for (const c of children.get(p) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        out.push(c);
        queue.push(c);
      }
    }
    return out;
  });

  const tcpListeners = once((): TcpListener[] => {
    const out: TcpListener[] = [];
    for (const family of ['tcp', 'tcp6'] as const) {
      const r = text(`/proc/net/${family}`);
      if (r.ok) out.push(...parseTcpListeners(r.value, family));
    }
    return out;
  });

  /** One lazy pass over every process's fds, indexing socket and pipe inodes. */
  const fdIndex = once((): { sockets: Map<number, FdHolder[]>; pipes: Map<number, FdHolder[]> } => {
    const sockets = new Map<number, FdHolder[]>();
    const pipes = new Map<number, FdHolder[]>();
    const add = (index: Map<number, FdHolder[]>, inode: number, pid: number, fd: number): void => {
      const list = index.get(inode) ?? [];
      list.push({ pid, fd });
      index.set(inode, list);
    };
    // Only the pids are needed: the numbers-only scan when no whole table was read (a pipe on a <pid>'s stdio).
    const table = processRows();
    // The native helper reads every process's fd links in one pass across the cores.
    const bulk = raw.socketAndPipeFds?.(table.map((s) => s.pid)) ?? null;
    if (bulk) {
      // Holders come per process in table order, each process's in fd order: as the loop below lists them.
      const h = bulk.holders;
      for (let i = 0; i + 3 < h.length; i += 4) {
        const pid = h[i];
        if (bulk.unreadable.has(pid)) continue;
        add(h[i + 2] === 0 ? sockets : pipes, h[i + 3], pid, h[i + 1]);
      }
      return { sockets, pipes };
    }
    for (const s of table) {
      const all = fdsMemo(`${s.pid}:all`);
      if (!all.ok) continue;
      for (const f of all.value) {
        if (f.inode === undefined) continue;
        const index = f.kind === 'socket' ? sockets : f.kind === 'pipe' ? pipes : null;
        if (index) add(index, f.inode, s.pid, f.fd);
      }
    }
    return { sockets, pipes };
  });

  const socketHolders = memo((inode: number): number[] => {
    const holders = fdIndex().sockets.get(inode) ?? [];
    return [...new Set(holders.map((h) => h.pid))];
  });

  const pipeHolders = memo((inode: number): Array<{ pid: number; fd: number; mode: 'r' | 'w' | '?' }> =>
    (fdIndex().pipes.get(inode) ?? []).map((h) => {
      const info = text(`/proc/${h.pid}/fdinfo/${h.fd}`);
      return { pid: h.pid, fd: h.fd, mode: info.ok ? parseFdinfoMode(info.value) : '?' };
    }),
  );

  const ptyMaster = (index: number, first: readonly number[]): { pid: number; fd: number } | null => {
    const all = (pid: number): Read<FdInfo[]> => fdsMemo(`${pid}:all`);
    const near = findPtyMaster(index, first, all, text);
    if (near) return near;
    // pts numbers are per devpts instance: a container's pts/3 is not ours. Every other process is tried
    // only when it shares the first one's mount namespace (its /dev/pts is the same instance).
    const tried = new Set(first);
    const mntOf = (pid: number): string | null => {
      const r = link(`/proc/${pid}/ns/mnt`);
      return r.ok ? r.value : null;
    };
    const mnt = first.length > 0 ? mntOf(first[0]) : null;
    if (mnt === null) return null;
    return findPtyMaster(
      index,
      processTable()
        .map((s) => s.pid)
        .filter((p) => !tried.has(p) && mntOf(p) === mnt),
      all,
      text,
      true,
    );
  };

  const limits = memo((pid: number): Read<ProcLimits> => {
    const r = text(`/proc/${pid}/limits`);
    if (!r.ok) return r;
    const parsed = parseLimits(r.value);
    return parsed ? ok(parsed) : fail('EOTHER', `/proc/${pid}/limits: not the kernel's layout`);
  });

  const schedPolicy = memo((pid: number): number | null => {
    const r = text(`/proc/${pid}/stat`);
    return r.ok ? parseStatPolicy(r.value) : null;
  });

  // A write position only matters for a regular file (RLIMIT_FSIZE: mm/filemap.c generic_write_check_limits).
  const fileWriters = memo((pid: number): Read<FileWriter[]> => {
    const all = fdsMemo(`${pid}:all`);
    if (!all.ok) return all;
    const out: FileWriter[] = [];
    const files = all.value.filter(
      (f) => f.kind === 'file' && f.target.startsWith('/') && !f.target.startsWith('/dev/'),
    );
    for (const f of files.slice(0, MAX_WRITERS_READ)) {
      const info = text(`/proc/${pid}/fdinfo/${f.fd}`);
      const pf = info.ok ? parseFdinfoPosFlags(info.value) : null;
      // O_WRONLY (1) or O_RDWR (2) in the access mode; O_APPEND (02000) writes at the end.
      if (!pf || (pf.flags & 3) === 0) continue;
      out.push({ fd: f.fd, path: f.target, pos: pf.pos, append: (pf.flags & 0o2000) !== 0 });
    }
    return ok(out);
  });

  const unixPeers = once(() => readUnixPeers((argv, ms) => raw.command(argv, ms)));
  const unixPeer = (inode: number): number | null => {
    const r = unixPeers();
    return r.ok ? (r.value.get(inode) ?? null) : null;
  };

  const memoryCgroup = memo((pid: number) => {
    const groups = cgroups(pid);
    if (!groups.ok) return groups;
    return readMemoryCgroup(groups.value, text);
  });

  return {
    raw,
    host,
    process,
    stat,
    status,
    argv,
    fds: (pid, all = false) => fdsMemo(`${pid}:${all ? 'all' : 'std'}`),
    cgroups,
    oomScore,
    oomScoreOnly,
    envNames: (pid, wanted) => envNames(JSON.stringify({ pid, wanted: [...wanted].sort() })),
    processTable,
    processRows,
    processesNamed,
    sessionMembers,
    oomScores,
    readAhead,
    descendants,
    tcpListeners,
    socketHolders,
    pipeHolders,
    ptyMaster,
    unixPeer,
    memoryCgroup,
    limits,
    schedPolicy,
    fileWriters,
    hostTools: once(() => readHostTools(raw)),
    text,
  };
}
