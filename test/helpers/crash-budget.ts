/**
 * The kernel prints at most 10 segfault/trap lines per 5 s (printk_ratelimit) and drops the rest. A test
 * that makes a crash happen and then reads its line must not lose it to an earlier burst (another test's,
 * or the rate-limit test's own): before crashing, wait until the last rate-limited print is more than one
 * window old. The window then restarts with the next crash, which is certain to be printed.
 */
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { readKernelLog } from '../../src/source/kernel-log/read';
import { isCrashLine, isSuppressionNotice, RATELIMIT_WINDOW_MS } from '../../src/source/kernel-log/suppressed';
import { parseKernelMessage } from '../../src/source/kernel-log/parse';

function lastRateLimitedPrintMs(): number | null {
  const { records } = readKernelLog(createFacts(createLiveSource()));
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.boot === 'current' && r.timeMs !== null && (isCrashLine(r.message) || isSuppressionNotice(r.message)))
      return r.timeMs;
  }
  return null;
}

/** Resolves once a crash made now will get its kernel line (at most one window plus a margin). */
export async function awaitCrashBudget(): Promise<void> {
  const margin = 300;
  for (;;) {
    const last = lastRateLimitedPrintMs();
    const wait = last === null ? 0 : last + RATELIMIT_WINDOW_MS + margin - Date.now();
    if (wait <= 0) return;
    await new Promise((r) => setTimeout(r, Math.min(wait, RATELIMIT_WINDOW_MS + margin)));
  }
}

/**
 * The kernel printed this process's own segfault or trap line (this boot). Other processes on the machine crash
 * too, so a crash made after awaitCrashBudget() can still lose its line to the rate limit: tests that need the
 * line crash again until this says so.
 */
export function crashLineSeen(pid: number): boolean {
  const { records } = readKernelLog(createFacts(createLiveSource()));
  return records.some((r) => {
    if (r.boot !== 'current') return false;
    const e = parseKernelMessage(r.message);
    return e !== null && (e.type === 'segfault' || e.type === 'trap') && e.pid === pid;
  });
}
