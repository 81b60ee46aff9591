/**
 * Resource limits that end a process: which are set (/proc/PID/limits), how close it is, and what the kernel
 * then sends. Read from the kernel's own code (Linux 6.x):
 *
 * - RLIMIT_CPU: kernel/time/posix-cpu-timers.c check_process_timers. Once the process's CPU time (utime +
 *   stime of every thread, the group's; stat's fields 14 and 15) reaches the soft limit, SIGXCPU (SEND_SIG_PRIV)
 *   every second, the soft limit raised by one each time; at the hard limit SIGKILL. Both only while the soft
 *   limit is finite. SIGXCPU's default action ends it (core); ignored, caught or blocked, SIGKILL at the hard
 *   limit still does.
 * - RLIMIT_FSIZE: mm/filemap.c generic_write_check_limits. A write to a regular file at a position at or past
 *   the soft limit gets send_sig(SIGXFSZ) and EFBIG (a write straddling it is cut short first); ignored or
 *   caught, only EFBIG. The position is fdinfo's `pos` (the file's end for O_APPEND).
 * - RLIMIT_RTTIME: check_thread_timers. A SCHED_FIFO/SCHED_RR thread running that many µs without blocking
 *   (rt.timeout, reset when it sleeps) gets SIGXCPU every second, SIGKILL at the hard limit. Only for realtime
 *   tasks; how long it has run unblocked is in no /proc file.
 * - The rest send no signal: RLIMIT_NOFILE (open: EMFILE, fs/file.c alloc_fd), RLIMIT_NPROC (fork: EAGAIN,
 *   kernel/fork.c copy_process), RLIMIT_AS/DATA (mmap/brk: ENOMEM, mm/mmap.c may_expand_vm), RLIMIT_MEMLOCK
 *   (ENOMEM/EPERM), RLIMIT_SIGPENDING (a queued signal is dropped). RLIMIT_STACK is met by a stack growing past
 *   it (mm/mmap.c acct_stack_growth): SIGSEGV, a program's runaway recursion, not an event to predict.
 */
import type { Facts, Read } from '../source/types';
import type { LimitName, Rlimit } from '../source/parse-limits';
import { hasSignal as bit, type Disposition } from './signals';

/** What a signal does when it arrives: its disposition, or held back (blocked: it stays pending). */
export type Arrival = Disposition | 'blocked';

export type CpuLimit = {
  softSec: number;
  hardSec: number | null;
  /** CPU time used so far, seconds (utime + stime of every thread). */
  usedSec: number;
  /** Seconds since it started (wall clock). */
  ageSec: number;
  /** What SIGXCPU does when it comes. */
  sigxcpu: Arrival;
  /** The CPU seconds at which it dies, and by what; null when neither the soft nor the hard limit ends it. */
  diesAtSec: number | null;
  diesBy: 'SIGXCPU' | 'SIGKILL' | null;
  /**
   * Wall-clock seconds until then at its average CPU rate since it started (CPU seconds per second); null
   * when it has used less than a second of CPU or nothing ends it.
   */
  etaSec: number | null;
};

export type FsizeLimit = {
  softBytes: number;
  hardBytes: number | null;
  sigxfsz: Arrival;
  /** A write past the limit ends it (SIGXFSZ's default action). */
  kills: boolean;
  /** Regular files it has open for writing, furthest write position first (at most 5). */
  writers: Array<{ fd: number; path: string; pos: number; append: boolean }>;
  /** Why its open files could not be read, when they could not. */
  writersUnread: string | null;
};

export type RttimeLimit = {
  softUs: number;
  hardUs: number | null;
  sigxcpu: Arrival;
  /** SCHED_FIFO or SCHED_RR: the limit applies only to realtime tasks. */
  policy: 'SCHED_FIFO' | 'SCHED_RR' | null;
  /** A stretch of running unblocked this long ends it (null: nothing ends it). */
  diesAtUs: number | null;
};

/** A limit that is set and is not a predicted death (no signal, or a program's own fault): what reaching it does. */
export type QuietLimit = {
  name: LimitName;
  soft: number;
  hard: number | null;
  effect: string;
};

export type LimitsSection = {
  /** Null when RLIMIT_CPU's soft limit is unlimited (the kernel then checks neither limit). */
  cpu: CpuLimit | null;
  /** Null when RLIMIT_FSIZE's soft limit is unlimited. */
  fsize: FsizeLimit | null;
  /** Null when RLIMIT_RTTIME's soft limit is unlimited. */
  rttime: RttimeLimit | null;
  /** Set limits that are no predicted death (they send no signal, or fault a runaway program), with what they do. */
  quiet: QuietLimit[];
};

/** A CPU limit counts as near when half of it is used, or when at its average rate it is reached within an hour. */
export const NEAR_SHARE = 0.5;
export const NEAR_ETA_SEC = 3600;
const MIN_RATE_SEC = 1;

const SIGXCPU = 24;
const SIGXFSZ = 25;

function arrival(masks: { sigIgn: bigint; sigCgt: bigint; sigBlk: bigint } | null, n: number): Arrival {
  if (!masks) return 'default';
  if (bit(masks.sigIgn, n)) return 'ignored';
  if (bit(masks.sigBlk, n)) return 'blocked';
  return bit(masks.sigCgt, n) ? 'caught' : 'default';
}

/** The limits that are met with an error, never a signal (the program decides), and what each does. */
const QUIET: ReadonlyArray<[LimitName, string, (l: Rlimit) => boolean]> = [
  ['nofile', 'open() and socket() fail with EMFILE, no signal', () => true],
  ['nproc', 'fork() fails with EAGAIN, no signal', () => true],
  ['as', 'mmap() and brk() fail with ENOMEM, no signal', () => true],
  ['data', 'brk() and private mmap() fail with ENOMEM, no signal', () => true],
  ['memlock', 'mlock() fails with ENOMEM (EPERM when the limit is 0), no signal', (l) => (l.soft ?? 1) > 0],
  [
    'stack',
    'a stack growing past it faults: SIGSEGV (mm/mmap.c acct_stack_growth), a runaway recursion, not an event to predict',
    () => true,
  ],
];

export function cpuNear(c: CpuLimit): boolean {
  if (c.diesAtSec === null) return false;
  return c.usedSec >= c.diesAtSec * NEAR_SHARE || (c.etaSec !== null && c.etaSec <= NEAR_ETA_SEC);
}

/** The open file whose write position is nearest the limit, when at least half of it. */
export function fsizeNearWriter(f: FsizeLimit): FsizeLimit['writers'][number] | null {
  const w = f.writers[0];
  return w && w.pos >= f.softBytes * NEAR_SHARE ? w : null;
}

export function deriveLimits(facts: Facts, pid: number): Read<LimitsSection> {
  const lr = facts.limits(pid);
  if (!lr.ok) return lr;
  const l = lr.value;
  const st = facts.stat(pid);
  const status = facts.status(pid);
  const masks = status.ok ? status.value : null;
  const host = facts.host();
  const ticks = host.clockTicks || 100;

  let cpu: CpuLimit | null = null;
  if (l.cpu.soft !== null) {
    const usedSec = st.ok ? (st.value.utime + st.value.stime) / ticks : 0;
    const ageSec = st.ok ? Math.max(0, host.uptimeSeconds - st.value.startTime / ticks) : 0;
    const sig = arrival(masks, SIGXCPU);
    // The hard limit is checked first: with soft == hard (`ulimit -t N` and `prlimit --cpu=N` set both) the
    // kernel sends SIGKILL, not SIGXCPU. Otherwise SIGXCPU ends it at the soft limit when its default action
    // runs; ignored, caught or blocked, the hard limit's SIGKILL does.
    const hard = l.cpu.hard;
    const diesBy =
      hard !== null && hard <= l.cpu.soft
        ? 'SIGKILL'
        : sig === 'default'
          ? 'SIGXCPU'
          : hard !== null
            ? 'SIGKILL'
            : null;
    const diesAtSec = diesBy === 'SIGXCPU' ? l.cpu.soft : diesBy === 'SIGKILL' ? l.cpu.hard : null;
    const rate = ageSec > 0 ? usedSec / ageSec : 0;
    // A rate from less than a second of CPU (100 ticks) is start-up noise, not a trend: no estimate.
    const etaSec =
      diesAtSec !== null && usedSec >= MIN_RATE_SEC && rate > 0 ? Math.max(0, (diesAtSec - usedSec) / rate) : null;
    cpu = { softSec: l.cpu.soft, hardSec: l.cpu.hard, usedSec, ageSec, sigxcpu: sig, diesAtSec, diesBy, etaSec };
  }

  let fsize: FsizeLimit | null = null;
  if (l.fsize.soft !== null) {
    const sig = arrival(masks, SIGXFSZ);
    // Blocked, SIGXFSZ waits pending and runs its default action once unblocked: counted as ending it.
    const kills = sig === 'default' || sig === 'blocked';
    const w = facts.fileWriters(pid);
    fsize = {
      softBytes: l.fsize.soft,
      hardBytes: l.fsize.hard,
      sigxfsz: sig,
      kills,
      writers: w.ok ? [...w.value].sort((a, b) => b.pos - a.pos).slice(0, 5) : [],
      writersUnread: w.ok ? null : w.message,
    };
  }

  let rttime: RttimeLimit | null = null;
  if (l.rttime.soft !== null) {
    const p = facts.schedPolicy(pid);
    const sig = arrival(masks, SIGXCPU);
    const policy = p === 1 ? 'SCHED_FIFO' : p === 2 ? 'SCHED_RR' : null;
    // check_thread_timers checks the hard limit first too: soft == hard is SIGKILL.
    const diesAtUs = sig === 'default' || l.rttime.hard === l.rttime.soft ? l.rttime.soft : l.rttime.hard;
    rttime = { softUs: l.rttime.soft, hardUs: l.rttime.hard, sigxcpu: sig, policy, diesAtUs };
  }

  const quiet: QuietLimit[] = [];
  for (const [name, effect, applies] of QUIET) {
    const r = l[name];
    if (r.soft !== null && applies(r)) quiet.push({ name, soft: r.soft, hard: r.hard, effect });
  }
  return { ok: true, value: { cpu, fsize, rttime, quiet } };
}
