/**
 * The fact model: what whydied knows about the machine and its processes.
 *
 * Two layers:
 *  - RawSource: the only thing that touches the OS (or a captured bundle). It hands back raw texts
 *    keyed by path, exactly as the kernel printed them, so live runs and bundle replays share the
 *    same parsers.
 *  - Facts: parsed, memoised views over a RawSource. Every check sees one consistent read of each file.
 */

import type { ProcLimits } from './parse-limits';
import type { NamedRecords } from './records/types';

/** Why a read gave nothing. `ENOENT` usually means the process is gone. */
export type ReadErrorCode = 'ENOENT' | 'EACCES' | 'EPERM' | 'ESRCH' | 'EINVAL' | 'NOTCAPTURED' | 'EOTHER';

export type Read<T> = { ok: true; value: T } | { ok: false; code: ReadErrorCode; message: string };

export const ok = <T>(value: T): Read<T> => ({ ok: true, value });
export const fail = <T>(code: ReadErrorCode, message: string): Read<T> => ({ ok: false, code, message });

/** The narrow OS surface. Paths are absolute (`/proc/1/stat`, `/proc/sys/kernel/random/boot_id`). */
export interface RawSource {
  readonly kind: 'live' | 'bundle';
  /** Whole text of a (small) file. */
  readText(path: string): Read<string>;
  /** Target of a symbolic link (`/proc/N/fd/0`, `/proc/N/exe`, `/proc/N/cwd`). */
  readLink(path: string): Read<string>;
  /** Entry names of a directory (`/proc`, `/proc/N/fd`). */
  listDir(path: string): Read<string[]>;
  /**
   * Names (never values) of environment variables of a process that are in `wanted`.
   * Environment values are never read into memory beyond this call and never captured. A wanted
   * `NAME=VALUE` (only ever a public escape constant) is returned when the variable holds exactly that.
   */
  envNames(pid: number, wanted: readonly string[]): Read<string[]>;
  /**
   * Kernel ring buffer records exactly as /dev/kmsg prints them (`pri,seq,usec,flags;msg` lines,
   * continuation lines starting with a space), read without blocking.
   */
  readKmsg(): Read<string>;
  /**
   * Run a read-only helper command (dmesg, journalctl) with a time limit; its stdout. Live sources
   * spawn it (only when a check asks); bundles replay what was captured for the same argv.
   */
  command(argv: readonly string[], timeoutMs?: number): Read<string>;
  /**
   * The lines of a records file (the state dir's records.jsonl) about `pid` or answering to `name`, and its
   * line count, from its key index (src/record/store-index.ts) without reading the whole file. Absent
   * (bundles, captures: they must hold the file itself) or null: read the file.
   */
  recordsProbe?(file: string, pid: number | null, name: string | null): { lines: number; matches: string[] } | null;
  /**
   * Every record of a records file answering to `name`, from its key index (pid, start time, boot, time of
   * death, no line read), and a reader for the lines chosen. Absent (bundles, captures) or null: read the file.
   */
  recordsNamed?(file: string, name: string): NamedRecords | null;
  /**
   * readText for many paths at once: the live source splits them across the cores with the native
   * helper when it was built. Each answer is what readText would have given. Absent: read one by one.
   */
  readTexts?(paths: readonly string[]): Read<string>[];
  /**
   * Every open socket and pipe of these processes (/proc/PID/fd links `socket:[N]`, `pipe:[N]`) in one
   * pass, as reading each fd link would find them; `unreadable` holds the pids whose fds could not be
   * listed. Absent or null: read the links one by one.
   */
  socketAndPipeFds?(pids: readonly number[]): SocketAndPipeFds | null;
  /**
   * Every process listed in /proc whose stat reads and parses, in pid order, as five numbers each: pid,
   * ppid, pgrp, session, flags (what the process group and the OOM candidates need of every process,
   * with no text kept). Absent or null: the process table (every stat read and parsed here).
   */
  statFields?(): Float64Array | null;
  /** Each process's oom_score, NaN where unreadable or not an integer. Absent or null: read one by one. */
  oomScores?(pids: readonly number[]): Float64Array | null;
  /**
   * statFields' five numbers and a sixth per process: 1 where it answers to `name` (its comm, else argv[0]
   * or argv[0]'s basename), else 0. Absent or null: the process table and every argv read here.
   */
  namedFields?(name: string): Float64Array | null;
  /** Host facts that do not come from a file: hostname, and the wall-clock time of the read. */
  hostname(): string;
  /** Milliseconds since the epoch when this source's view was taken (live: now; bundle: capture time). */
  now(): number;
  /**
   * Logs saved from another machine (`--kmsg FILE`, `--journal FILE`): when present, the kernel-log and
   * journal readers parse these instead of asking the system. `name` says where they came from.
   */
  savedLog?(kind: 'kernel' | 'journal'): { text: string; name: string; mtimeMs?: number | null } | null;
}

export interface SocketAndPipeFds {
  unreadable: Set<number>;
  /**
   * Four numbers per open socket or pipe: pid, fd, kind (0 socket, 1 pipe), inode; each process's in fd
   * order (flat: a host with 10,000 processes has ~50,000 of them).
   */
  holders: Float64Array;
}

/** The numbers of one process's stat that a pass over every process needs. */
export type ProcRow = Pick<ProcStat, 'pid' | 'ppid' | 'pgrp' | 'session' | 'flags'>;

/** Parsed /proc/PID/stat (fields we use). Times in clock ticks since boot. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  ttyNr: number;
  tpgid: number;
  flags: number;
  utime: number;
  stime: number;
  numThreads: number;
  startTime: number;
  vsize: number;
  rssPages: number;
  /** Field 52, the wait status (meaningful for a zombie); null when the kernel does not print it. Optional for hand-made stats. */
  exitCode?: number | null;
}

/** Parsed /proc/PID/status (fields we use). Signal masks as bigint bit sets (bit n-1 = signal n). */
export interface ProcStatus {
  name: string;
  state: string;
  tgid: number;
  ppid: number;
  uid: number[];
  gid: number[];
  sigPnd: bigint;
  shdPnd: bigint;
  sigBlk: bigint;
  sigIgn: bigint;
  sigCgt: bigint;
  vmRssKb: number | null;
  nsPid: number[];
  /** PF_KTHREAD from stat flags, or Kthread: 1 from status on newer kernels. */
  kthread: boolean | null;
  /** TracerPid: the pid of the process ptrace-attached to it (0: none; fs/proc/array.c task_state). */
  tracerPid: number;
}

/** Decoded controlling terminal. `null` device = no controlling terminal. */
export interface TtyInfo {
  nr: number;
  major: number;
  minor: number;
  /** e.g. `pts/3`, `tty1`, `ttyS0`, or `char:M:N` when unknown. Null when tty_nr is 0. */
  name: string | null;
}

export type FdKind = 'tty' | 'pipe' | 'socket' | 'devnull' | 'file' | 'deleted-file' | 'anon' | 'other' | 'closed';

/** A regular file open for writing (fdinfo flags O_WRONLY/O_RDWR) and where its next write lands. */
export interface FileWriter {
  fd: number;
  /** Link target (hostile data). */
  path: string;
  /** The file offset (fdinfo pos): the kernel compares the write position with RLIMIT_FSIZE. */
  pos: number;
  /** O_APPEND: each write lands at the file's end. */
  append: boolean;
}

export interface FdInfo {
  fd: number;
  kind: FdKind;
  /** Raw link target (hostile data: may contain control characters). */
  target: string;
  /** pipe/socket inode when the target is `pipe:[N]` / `socket:[N]`. */
  inode?: number;
  /** A terminal that was hung up (`/dev/pts/N (deleted)`): its writes fail with EIO. */
  hungUp?: boolean;
}

export interface CgroupEntry {
  hierarchy: number;
  controllers: string[];
  path: string;
}

/** A process's identity: pid reuse is detected by start time; a reboot by boot id. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
  bootId: string;
}

export interface HostFacts {
  hostname: string;
  kernel: string;
  bootId: string;
  /** Seconds since the epoch (btime from /proc/stat). */
  bootTime: number;
  pidMax: number;
  /** USER_HZ; 100 on every mainstream Linux architecture. */
  clockTicks: number;
  uptimeSeconds: number;
}

export interface TcpListener {
  port: number;
  inode: number;
  family: 'tcp' | 'tcp6';
  address: string;
}

/** A whole process as the checks see it (one consistent memoised read). */
export interface ProcessFacts {
  pid: number;
  stat: ProcStat;
  status: Read<ProcStatus>;
  argv: Read<string[]>;
  exe: Read<string>;
  cwd: Read<string>;
  /** Wall-clock start time, ms since epoch (boot time + starttime / ticks). */
  startedAtMs: number;
  identity: ProcessIdentity;
  tty: TtyInfo;
}

/**
 * Parsed, memoised facts. Built over one RawSource; every method returns the same answer each
 * time it is called during one diagnosis.
 */
export interface Facts {
  readonly raw: RawSource;
  host(): HostFacts;
  /** Null when the process does not exist (or its stat cannot be read). */
  process(pid: number): ProcessFacts | null;
  stat(pid: number): Read<ProcStat>;
  status(pid: number): Read<ProcStatus>;
  argv(pid: number): Read<string[]>;
  /** fds 0, 1, 2 (or every fd when `all`). */
  fds(pid: number, all?: boolean): Read<FdInfo[]>;
  cgroups(pid: number): Read<CgroupEntry[]>;
  oomScore(pid: number): Read<{ score: number; adj: number }>;
  /** oom_score alone (one file, where oomScore reads two): for ranking every process. */
  oomScoreOnly(pid: number): Read<number>;
  envNames(pid: number, wanted: readonly string[]): Read<string[]>;
  /** Every process's stat (one pass over /proc). */
  processTable(): ProcStat[];
  /**
   * The numbers of every process's stat the group and the OOM ranking need, in pid order: the process
   * table's when it was read, else one scan that keeps no text (RawSource.statFields).
   */
  processRows(): readonly ProcRow[];
  /**
   * Every process whose session is `sid`, in pid order, as the process table holds them (a process group's
   * members are all in its session: setpgid(2) refuses a group of another session).
   */
  sessionMembers(sid: number): ProcStat[];
  /**
   * Every process that answers to `name`, in pid order: its comm is `name`, else its argv[0] or argv[0]'s
   * basename is (argv[0] is read only where comm does not match).
   */
  processesNamed(name: string): number[];
  /** oom_score of each of these processes (null where unreadable), in one batch when the source can. */
  oomScores(pids: readonly number[]): Array<number | null>;
  /**
   * Read this file of each of these processes now, in one batch (split across the cores when the source
   * can), so the per-process calls that follow (oomScoreOnly, argv, stat) answer from the memo.
   */
  readAhead(file: 'stat' | 'oom_score' | 'cmdline', pids: readonly number[]): void;
  /** Pids whose ppid chain leads to `pid` (from the process table). */
  descendants(pid: number): number[];
  /** Listening TCP sockets (tcp and tcp6). */
  tcpListeners(): TcpListener[];
  /** Pids holding an fd on socket inode N. */
  socketHolders(inode: number): number[];
  /** Pids with an open fd on pipe inode N (and which end: 'r'/'w' from fdinfo flags). */
  pipeHolders(inode: number): Array<{ pid: number; fd: number; mode: 'r' | 'w' | '?' }>;
  /**
   * The process holding a master of pts `index` (src/source/pty-master.ts): `first` is tried in order (the
   * session leader's ancestors usually hold it), then every process. Null when none could be seen.
   */
  ptyMaster(index: number, first: readonly number[]): { pid: number; fd: number } | null;
  /** The peer inode of a connected UNIX socket (sock_diag via `ss`); null when unknown or unconnected. */
  unixPeer(inode: number): number | null;
  /** Memory limit and usage for a cgroup path (v2 memory.max/current, v1 memory.limit_in_bytes/usage_in_bytes). */
  memoryCgroup(pid: number): Read<MemoryCgroup>;
  /** /proc/PID/limits, parsed strictly (src/source/parse-limits.ts). */
  limits(pid: number): Read<ProcLimits>;
  /** Its scheduling policy (stat field 41: 1 SCHED_FIFO, 2 SCHED_RR); null when unreadable. */
  schedPolicy(pid: number): number | null;
  /** Regular files it has open for writing, with the write position (fdinfo pos); the first 64 files only. */
  fileWriters(pid: number): Read<FileWriter[]>;
  /** Relaunch tools present on this host (setsid, systemd-run, tmux; whether systemd runs). */
  hostTools(): HostTools;
  /** Read any text through the memo (for checks and plugins that need a file not modelled above). */
  text(path: string): Read<string>;
}

export interface MemoryCgroup {
  path: string;
  limitBytes: number | null;
  usageBytes: number | null;
  version: 1 | 2;
  /** The cgroup's directory (its cgroup.procs lists the members the cgroup's OOM killer chooses among). */
  dir: string;
  /** v1 memory+swap limit (memory.memsw.limit_in_bytes) when swap accounting is on: it caps memory.limit_in_bytes. */
  memswLimitBytes?: number | null;
}

export interface HostTools {
  setsid: boolean;
  systemdRun: boolean;
  /** systemd is the running init (/run/systemd/system exists): units and logind sessions are real. */
  systemdRunning: boolean;
  tmux: boolean;
  loginctl: boolean;
  /** Who is reading (whydied's own effective uid): a remedy for root may use system units, a user's may not. */
  euid: number | null;
  /**
   * polkitd is installed (its D-Bus activation file): logind then lets a user enable their own linger
   * (org.freedesktop.login1.set-self-linger); without it logind allows only CAP_SYS_ADMIN. Absent: not probed.
   */
  polkit?: boolean;
  /** whydied holds CAP_SYS_RESOURCE (raising a hard resource limit needs it); null unknown, absent not probed. */
  capSysResource?: boolean | null;
}
