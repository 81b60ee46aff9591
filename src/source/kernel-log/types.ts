/**
 * Types for postmortem evidence from the kernel log. Records are what a log source printed;
 * events are what one record says; deaths are incidents (several events) attributed to one process.
 */
import type { WallTime } from './line-prefix';

/** The text formats we can read. */
export type KernelLogFormat =
  /** /dev/kmsg: `pri,seq,usec,flags;message` (+ ` KEY=value` continuation lines). */
  | 'kmsg'
  /** `dmesg`, `dmesg --raw` (`<6>[ 1.2] msg`), `dmesg -x` (`kern  :info  : [ 1.2] msg`), or no timestamps. */
  | 'dmesg'
  /** `journalctl -k -o short-monotonic`: `[ 1.2] host kernel: msg`. */
  | 'journal-short-monotonic'
  /**
   * Wall-clock lines saved by people: `journalctl -k` (`Nov 22 07:40:18 host kernel: msg`), `journalctl -k -o
   * short-iso` (`2026-11-22T07:40:18+0000 host kernel: msg`), `dmesg -T` (`[Sun Nov 22 07:40:18 2026] msg`).
   */
  | 'wall-clock'
  /** `journalctl -k -o json`: one JSON object per line. */
  | 'journal-json';

/** One kernel log record that passed the keyword pre-filter. */
export interface KernelRecord {
  /** printk's stamp in seconds since boot, when the saved text or the source has one. */
  uptimeSec?: number | null;
  /** The wall-clock stamp as the saved text wrote it (year filled in when inferred), when it has one. */
  wall?: WallTime | null;
  /** The line had a stamp whose date could not be read (month words of no known locale). */
  unreadableStamp?: boolean;
  /** kmsg sequence number; for other formats the byte offset of the record in its text. */
  seq: number;
  /** Microseconds since the boot that printed it (CLOCK_MONOTONIC-like), when known. */
  monoUsec: number | null;
  /** Wall-clock milliseconds since the epoch, when known. */
  timeMs: number | null;
  /** `current`, or the boot id of an earlier boot (journal). */
  boot: string;
  /** syslog priority (0 emerg .. 7 debug) when the format carries it. */
  priority: number | null;
  /** The message, with the kernel's `\xNN` escapes decoded (hostile: may hold any character). */
  message: string;
  /**
   * The user-space program whose tagged line this is (a syslog or journal text line under a killer's tag,
   * line-prefix.ts KILLER_TAGS); absent for the kernel's own records. Only parse-userspace.ts reads these.
   */
  source?: string;
}

export interface SegfaultInfo {
  address: string;
  ip: string;
  sp: string;
  errorCode: number;
  /** `libc.so.6` from ` in libc.so.6[...]`, when printed. */
  library: string | null;
  /** What is inside the brackets after the library (offset, base+size). */
  mapping: string | null;
  cpu: number | null;
}

/** What one record says. `comm` fields are hostile data. */
export type KernelEvent =
  | {
      type: 'oom-header';
      comm: string;
      gfpMask: string;
      order: number;
      /** Null before 2.6.36, whose header printed `oomkilladj=` (the old -17..15 oom_adj scale) instead. */
      oomScoreAdj: number | null;
    }
  /**
   * dump_stack's `CPU: 1 UID: 0 PID: 4436 Comm: python3 ...` line (names the OOM trigger's pid, an oops's
   * victim); pid 0 is the idle task. `tainted`: the taint letters (`G D O`), `release`: the kernel release.
   */
  | {
      type: 'stack-task';
      pid: number;
      comm: string;
      tainted?: string | null;
      release?: string | null;
      /** arm/arm64 __die's own task line (`Process c (pid: P, stack limit = ...)`): only an oops prints it. */
      dieTask?: true;
    }
  /** A die header (parse-oops.ts): `Oops: 0000 [#1] SMP`, `Internal error: Oops: 96000005 [#1]`, ... */
  | { type: 'oops-header'; what: string; signal: string; dieCount: number; arch: string; header: string }
  /** The line before a die header that says what the kernel hit (`BUG: kernel NULL pointer dereference, ...`). */
  | { type: 'oops-cause'; text: string }
  /**
   * Where the kernel was when it faulted (x86 `RIP: 0010:func+0x5/0x1000 [module]`, arm64 `pc : func+0x5/0x10
   * [module]`): the symbol, and the module that holds it when it is not the kernel image.
   */
  | { type: 'oops-where'; symbol: string; module: string | null }
  /** `Kernel panic - not syncing: Fatal exception`: the machine died. */
  | { type: 'kernel-panic'; reason: string }
  | { type: 'oom-kill-select'; prefix: string; pid: number; comm: string; score: number }
  | {
      type: 'oom-killed';
      prefix: string | null;
      pid: number;
      comm: string;
      totalVmKb: number;
      anonRssKb: number;
      fileRssKb: number;
      shmemRssKb: number | null;
      uid: number | null;
      pgtablesKb: number | null;
      oomScoreAdj: number | null;
    }
  | {
      type: 'oom-summary';
      constraint: string;
      oomMemcg: string | null;
      taskMemcg: string;
      comm: string;
      pid: number;
      uid: number;
    }
  | { type: 'memcg-task'; taskMemcg: string; limitMemcg: string }
  | { type: 'memcg-usage'; usageKb: number; limitKb: number; failcnt: number }
  | { type: 'oom-reaped'; pid: number; comm: string }
  | { type: 'oom-reap-failed'; pid: number; comm: string }
  | ({ type: 'segfault'; pid: number; comm: string } & SegfaultInfo)
  | {
      type: 'trap';
      pid: number;
      comm: string;
      /** `divide error`, `invalid opcode`, `general protection fault`, `int3`, ... */
      trap: string;
      ip: string;
      sp: string;
      errorCode: number;
      library: string | null;
    }
  | { type: 'audit-abend'; pid: number; comm: string; signal: number; exe: string | null; auditTimeMs: number | null }
  | { type: 'hung-task'; pid: number; comm: string; seconds: number }
  /**
   * A fatal user fault as arm64, arm, powerpc, riscv or s390 print it (parse-faults.ts). `pid` is null when
   * the line does not print it (arm, s390): show_regs' `CPU: .. PID: ..` line that follows names the task.
   */
  | {
      type: 'user-fault';
      pid: number | null;
      comm: string | null;
      /** Null when the line does not tell which signal. */
      signal: string | null;
      /** The kernel's words: `level 2 translation fault`, `undefined instruction`, `interruption code 0038`. */
      what: string;
      address: string | null;
      library: string | null;
      arch: string;
    }
  /** print_fatal_signal: `potentially unexpected fatal signal N.` (pid on the line only before 3.8). */
  | { type: 'fatal-signal'; pid: number | null; comm: string | null; signal: string }
  /** Android's low-memory killer (kernel driver or lmkd) sent SIGKILL. */
  | { type: 'lmk-kill'; pid: number; comm: string; oomScoreAdj: number; by: string }
  /** A process the memory-failure (machine check) handler signalled: SIGBUS, or SIGKILL when the page could not be unmapped. */
  | {
      type: 'memory-failure';
      pid: number;
      comm: string;
      signal: 'SIGBUS' | 'SIGKILL';
      /** The failed page frame (hex), when printed. */
      pfn: string | null;
      /** The user address that touched an already poisoned page (x86 do_sigbus). */
      address: string | null;
      /** Sent ahead of any access (BUS_MCEERR_AO, a process that asked for early kills). */
      early: boolean;
    }
  /**
   * A user-space program's line about a death (parse-userspace.ts): systemd-coredump's core dump, a kill by
   * earlyoom or systemd-oomd, upstart's job process killed by a signal. `signal` null: the line does not say.
   */
  | {
      type: 'userspace-death';
      by: 'systemd-coredump' | 'earlyoom' | 'systemd-oomd' | 'upstart';
      pid: number;
      /** The process's comm (upstart: the job's name; systemd-oomd's line names none: empty). */
      comm: string;
      signal: string | null;
      job: string | null;
    }
  /** The killer says its signal did not end the process (earlyoom `process N did not exit`): no death. */
  | { type: 'kill-survived'; by: string; pid: number };

export type KernelEventType = KernelEvent['type'];

/** An event with the record it came from. */
export interface LocatedEvent {
  event: KernelEvent;
  record: KernelRecord;
}

export type DeathKind = 'oom-kill' | 'segfault' | 'trap' | 'signal';

/** Death.signal when the log does not say which signal (a core dump's line, a fault of unknown code). */
export const UNKNOWN_SIGNAL = 'an unknown signal';

/** Plain JSON-able facts about a death (no undefined: absent facts are left out). */
export type DeathDetails = { [key: string]: string | number | boolean | null };

export interface Death {
  pid: number;
  /** The stamp of the line that names the victim, as the log wrote it (saved logs). */
  wall?: WallTime | null;
  /** printk's seconds-since-boot stamp of that line. */
  uptimeSec?: number | null;
  /** Kernel comm (15 characters at most; hostile). */
  comm: string;
  kind: DeathKind;
  /** Wall-clock ms, when known. */
  timeMs: number | null;
  /** `SIGKILL`, `SIGSEGV`, `SIGFPE`, ... */
  signal: string;
  boot: string;
  details: DeathDetails;
  /** The messages that make up this incident, in log order. */
  raw: string[];
}

/**
 * A kernel oops or other report that ended in `Kernel panic - not syncing`: the whole machine died (or
 * rebooted), not one process. No victim is named: the task on the report was not what ended.
 */
export interface MachineDeath {
  wall?: WallTime | null;
  uptimeSec?: number | null;
  timeMs: number | null;
  boot: string;
  /** The panic's reason as printed (`Fatal exception`, `Fatal exception in interrupt`), bounded. */
  reason: string;
  /** The oops header that led to it, when the excerpt has one. */
  oops: string | null;
  raw: string[];
}

/** A hung-task warning: not a death, but worth telling. */
export interface HungTask {
  pid: number;
  wall?: WallTime | null;
  uptimeSec?: number | null;
  comm: string;
  seconds: number;
  timeMs: number | null;
  boot: string;
  raw: string;
}

export interface DeathFilter {
  pid?: number;
  /** Compared against the kernel's comm, both truncated to 15 characters. */
  name?: string;
  /** Only records at or after this wall-clock ms (the target's start: older ones are PID reuse). */
  after?: number;
  before?: number;
}
