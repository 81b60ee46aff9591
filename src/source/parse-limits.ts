/**
 * /proc/PID/limits, the fdinfo of a file open for writing, and stat's scheduling policy: what the
 * resource-limit section needs. The kernel writes /proc/PID/limits itself (fs/proc/base.c
 * proc_pid_limits: a header, then one line per RLIMIT_* in the kernel's order, "%-25s %-20s %-20s %-10s",
 * "unlimited" for RLIM_INFINITY), but a bundle or a saved file is anybody's text: every line is parsed
 * strictly, the whole file is bounded, and anything that does not fit is refused, never guessed.
 */

/** The limits whydied reads, by the kernel's row name (fs/proc/base.c lnames[]). */
export const LIMIT_ROWS = {
  cpu: 'Max cpu time',
  fsize: 'Max file size',
  data: 'Max data size',
  stack: 'Max stack size',
  core: 'Max core file size',
  rss: 'Max resident set',
  nproc: 'Max processes',
  nofile: 'Max open files',
  memlock: 'Max locked memory',
  as: 'Max address space',
  locks: 'Max file locks',
  sigpending: 'Max pending signals',
  msgqueue: 'Max msgqueue size',
  nice: 'Max nice priority',
  rtprio: 'Max realtime priority',
  rttime: 'Max realtime timeout',
} as const;

export type LimitName = keyof typeof LIMIT_ROWS;

/** One limit: soft and hard, null for unlimited (RLIM_INFINITY). */
export interface Rlimit {
  soft: number | null;
  hard: number | null;
}

export type ProcLimits = Record<LimitName, Rlimit>;

/** The kernel's file is about 1.4 KiB; anything much larger is not it. */
const MAX_LIMITS_TEXT = 4096;
const HEADER = /^Limit {2,}Soft Limit {2,}Hard Limit {2,}Units *$/;
// A value is "unlimited" or an unsigned long (at most 20 digits); the units word is optional (nice, rtprio).
const ROW = /^(Max [a-z ]+?) {2,}(unlimited|\d{1,20}) +(unlimited|\d{1,20})(?: +([a-z]+))? *$/;

const value = (t: string): number | null => (t === 'unlimited' ? null : Number(t));

/** Parse /proc/PID/limits; null when the text is not the kernel's layout (or misses a limit whydied reads). */
export function parseLimits(text: string): ProcLimits | null {
  if (typeof text !== 'string' || text.length > MAX_LIMITS_TEXT) return null;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2 || lines.length > 40 || !HEADER.test(lines[0])) return null;
  const byRow = new Map<string, Rlimit>();
  for (const line of lines.slice(1)) {
    const m = ROW.exec(line);
    if (!m) return null;
    if (byRow.has(m[1])) return null;
    const soft = value(m[2]);
    const hard = value(m[3]);
    // setrlimit(2) refuses soft > hard: a file saying so is not the kernel's.
    if (hard !== null && (soft === null || soft > hard)) return null;
    byRow.set(m[1], { soft, hard });
  }
  const out: Partial<ProcLimits> = {};
  for (const [name, row] of Object.entries(LIMIT_ROWS) as Array<[LimitName, string]>) {
    const r = byRow.get(row);
    if (!r) return null;
    out[name] = r;
  }
  return out as ProcLimits;
}

/** `pos:` and `flags:` of /proc/PID/fdinfo/N (fs/proc/fd.c seq_show): the file offset and the open flags (octal). */
export function parseFdinfoPosFlags(text: string): { pos: number; flags: number } | null {
  if (typeof text !== 'string' || text.length > 65536) return null;
  const pos = /^pos:\t(\d{1,20})$/m.exec(text);
  const flags = /^flags:\t([0-7]{1,11})$/m.exec(text);
  if (!pos || !flags) return null;
  return { pos: Number(pos[1]), flags: parseInt(flags[1], 8) };
}

/**
 * Field 41 of /proc/PID/stat (policy: 0 SCHED_OTHER, 1 SCHED_FIFO, 2 SCHED_RR, 3 BATCH, 5 IDLE, 6 DEADLINE),
 * counted after comm's last ')' as parseStat does; null when absent or not a number.
 */
export function parseStatPolicy(text: string): number | null {
  if (typeof text !== 'string') return null;
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state): field 41 is rest[38].
  const f = rest[38];
  return f !== undefined && /^\d{1,3}$/.test(f) ? Number(f) : null;
}
