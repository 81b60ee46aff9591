/**
 * The kernel rate-limits its crash reports. Segfault and trap lines go through printk_ratelimit()
 * (x86: one global budget of 10 lines per 5 s; arm64's show_unhandled_signals_ratelimited has one of
 * its own). Lines over the budget are dropped without a trace until the next rate-limited print after
 * the window, which is preceded by "<function>: N callbacks suppressed". A crash inside such a window
 * may have no line at all: "the kernel log has no record" is then no evidence that it did not crash,
 * and whydied says so.
 */
import { parseKernelMessage } from './parse';
import { formatWall } from './wall-time';
import type { KernelRecord } from './types';

/**
 * The functions whose notices stand for dropped crash lines: x86 page faults (show_signal_msg) and
 * traps (show_signal; do_trap and do_general_protection / exc_general_protection on older kernels),
 * arm64 (arm64_show_signal). They share printk_ratelimit's budget on x86, so a notice printed by one
 * counts the others' dropped lines too.
 */
const CRASH_PRINTERS: ReadonlySet<string> = new Set([
  'show_signal_msg',
  'show_signal',
  'do_trap',
  'do_general_protection',
  'exc_general_protection',
  'arm64_show_signal',
]);

const NOTICE = /^([A-Za-z_][A-Za-z0-9_.]*): (\d+) callbacks suppressed\s*$/;

/** printk_ratelimit's interval (DEFAULT_RATELIMIT_INTERVAL, 5 * HZ). */
export const RATELIMIT_WINDOW_MS = 5000;
/** printk_ratelimit's burst (DEFAULT_RATELIMIT_BURST). */
export const RATELIMIT_BURST = 10;

/**
 * Capture bundles keep the crash lines that date a suppression window only as this placeholder: the
 * diagnosis used their time, not the other processes' names and addresses. It holds a pre-filter
 * keyword (`segfault`) so a replay keeps it as a record.
 */
export const RATE_LIMITED_PLACEHOLDER =
  'whydied: a rate-limited segfault or trap line of another process (left out of this bundle)';

export interface Suppression {
  /** The kernel function that printed the notice. */
  printer: string;
  /** How many lines were dropped. */
  count: number;
  boot: string;
  /**
   * Earliest time a dropped line can have: the first logged crash line of the window the notice
   * closes (the lines logged before the drops, within one interval of the last of them). Null when
   * none of them is left in the log.
   */
  fromMs: number | null;
  /** When the notice was printed: every dropped line came before it. */
  toMs: number | null;
  /** The notice itself. */
  raw: string;
  /** The notice's and the window's first line's stamps as a saved log wrote them (formatWall), when it did. */
  fromText?: string;
  toText?: string;
}

export const isSuppressionNotice = (message: string): boolean => {
  const m = NOTICE.exec(message);
  return m !== null && CRASH_PRINTERS.has(m[1]);
};

export function isCrashLine(message: string): boolean {
  if (message === RATE_LIMITED_PLACEHOLDER) return true;
  const e = parseKernelMessage(message);
  return e !== null && (e.type === 'segfault' || e.type === 'trap');
}

/** The crash lines that date the window a notice closes (its index in `records`). */
export function windowLines(records: readonly KernelRecord[], noticeAt: number): KernelRecord[] {
  const notice = records[noticeAt];
  const out: KernelRecord[] = [];
  let last: number | null = null;
  for (let i = noticeAt - 1; i >= 0; i--) {
    const r = records[i];
    if (r.boot !== notice.boot) break;
    if (isSuppressionNotice(r.message)) break; // the previous window ended there
    if (!isCrashLine(r.message)) continue;
    if (r.timeMs === null) continue;
    if (last === null) last = r.timeMs;
    if (last - r.timeMs > RATELIMIT_WINDOW_MS) break;
    out.push(r);
  }
  return out.reverse();
}

/** One pass per log: a by-name diagnosis asks for every dead target of the name. */
const memo = new WeakMap<readonly KernelRecord[], Suppression[]>();

/** Every crash-report suppression notice in the log, with the time range its dropped lines fall in. */
export function findSuppressions(records: readonly KernelRecord[]): Suppression[] {
  const known = memo.get(records);
  if (known) return known;
  const found = scanSuppressions(records);
  memo.set(records, found);
  return found;
}

function scanSuppressions(records: readonly KernelRecord[]): Suppression[] {
  const out: Suppression[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const m = NOTICE.exec(r.message);
    if (!m || !CRASH_PRINTERS.has(m[1])) continue;
    const lines = windowLines(records, i);
    const s: Suppression = {
      printer: m[1],
      count: Number(m[2]),
      boot: r.boot,
      fromMs: lines.length > 0 ? lines[0].timeMs : null,
      toMs: r.timeMs,
      raw: r.message,
    };
    const first = lines.length > 0 ? lines[0] : null;
    if (first?.wall) s.fromText = formatWall(first.wall);
    if (r.wall) s.toText = formatWall(r.wall);
    out.push(s);
  }
  return out;
}

/**
 * The suppressions whose dropped lines could be a process's: in the current boot, ending after it
 * started (when that is known) and starting before the pid passed to a newer process (when it did).
 */
export function suppressionsDuring(
  all: readonly Suppression[],
  afterMs: number | null,
  beforeMs: number | null,
): Suppression[] {
  return all.filter(
    (s) =>
      s.boot === 'current' &&
      (afterMs === null || s.toMs === null || s.toMs >= afterMs) &&
      (beforeMs === null || s.fromMs === null || s.fromMs <= beforeMs),
  );
}
