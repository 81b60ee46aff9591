/**
 * watch(): stay until every watched process has ended and say how each one ended.
 * Backend choice (auto): tracefs when root and tracefs works, else ptrace (strace) when installed, else /proc
 * polling. A pid that is already gone (or a zombie) is reported at once with cause null and a note, so the
 * caller falls back to the postmortem diagnosis.
 */
import { isRunning, readIdentity } from '../source/process-identity';
import { deathOf } from '../source/death';
import { startTracefsBackend } from './tracefs-backend';
import { startPtraceBackend, straceAvailable } from './ptrace-backend';
import { startPollBackend } from './poll-backend';
import type { BackendOutcome, BackendRun, WatchBackend, WatchedTarget, WatchOptions, WatchResult } from './types';

export type { WatchBackend, WatchOptions, WatchResult } from './types';

const STATUS_EVERY_MS = 1000;

const isRoot = (): boolean => process.getuid?.() === 0;

function startBackend(kind: WatchBackend, targets: WatchedTarget[]): BackendRun {
  if (kind === 'tracefs') return startTracefsBackend(targets);
  if (kind === 'ptrace') return startPtraceBackend(targets);
  return startPollBackend(targets);
}

/** Start the requested backend, or for `auto` the best one that starts; the reason for any fallback. */
function chooseBackend(
  want: WatchOptions['backend'],
  targets: WatchedTarget[],
): { kind: WatchBackend; run: BackendRun; fallback?: string } {
  if (want && want !== 'auto') return { kind: want, run: startBackend(want, targets) };
  const reasons: string[] = [];
  if (isRoot()) {
    try {
      return { kind: 'tracefs', run: startTracefsBackend(targets) };
    } catch (e) {
      reasons.push(`tracefs: ${(e as Error).message}`);
    }
  } else {
    reasons.push('tracefs needs root');
  }
  if (straceAvailable()) return { kind: 'ptrace', run: startPtraceBackend(targets), fallback: reasons.join('; ') };
  reasons.push('strace is not installed');
  return { kind: 'poll', run: startPollBackend(targets), fallback: reasons.join('; ') };
}

function statusLine(targets: WatchedTarget[], run: BackendRun, startMs: number, ended: Set<number>): string {
  const secs = Math.floor((Date.now() - startMs) / 1000);
  const parts = targets
    .filter((t) => !ended.has(t.pid))
    .map((t) => `${t.pid} (${t.identity.comm}) signals seen: ${run.signalsSeen(t.pid)}`);
  return `watching ${parts.join(', ')} · ${secs}s`;
}

export async function watch(pids: number[], opts: WatchOptions = {}): Promise<WatchResult[]> {
  const results = new Map<number, WatchResult>();
  const targets: WatchedTarget[] = [];
  for (const pid of [...new Set(pids)]) {
    const identity = isRunning(pid) ? readIdentity(pid) : null;
    // Re-check after reading: the process may have ended between the two reads.
    if (identity && isRunning(pid)) targets.push({ pid, identity });
    else {
      const zombie = readIdentity(pid) !== null;
      results.set(pid, {
        pid,
        identity: null,
        backend: 'poll',
        death: null,
        signalsSeen: 0,
        endedAt: null,
        note: zombie ? 'already dead (a zombie) when the watch started' : 'not running when the watch started',
      });
    }
  }
  if (targets.length > 0) {
    const chosen = chooseBackend(opts.backend, targets);
    let run = chosen.run;
    let stopped = false;
    const startMs = Date.now();
    const ended = new Set<number>();
    const status = opts.onStatus;
    const ticker = status ? setInterval(() => status(statusLine(targets, run, startMs, ended)), STATUS_EVERY_MS) : null;
    if (status) status(statusLine(targets, run, startMs, ended));
    // `run` is reassigned on a fallback: the timeout stops whichever backend is watching then.
    // Node fires a timer longer than 2^31-1 ms after 1 ms: refuse it rather than stop at once.
    if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0 && opts.timeoutMs <= 0x7fffffff))
      throw new RangeError(`watch timeout out of range: ${opts.timeoutMs} ms`);
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          stopped = true;
          run.stop();
        }, opts.timeoutMs)
      : null;
    try {
      const outcomes = await run.done;
      const put = (
        t: WatchedTarget,
        kind: WatchBackend,
        o: BackendOutcome | undefined,
        fallback: string | undefined,
      ): void => {
        results.set(t.pid, {
          pid: t.pid,
          identity: t.identity,
          backend: kind,
          death: o?.cause ? deathOf(t.identity, o.cause, o.endedAt ?? new Date().toISOString()) : null,
          signalsSeen: o?.signalsSeen ?? 0,
          endedAt: o?.endedAt ?? null,
          note: o?.note,
          fallbackReason: fallback,
        });
      };
      const unwatched = targets.filter((t) => outcomes.get(t.pid)?.attachFailed !== undefined);
      for (const t of targets) if (!unwatched.includes(t)) put(t, chosen.kind, outcomes.get(t.pid), chosen.fallback);
      if (unwatched.length > 0) {
        // The backend could not attach (ptrace refused): poll instead until the process really ends.
        const reasonOf = (t: WatchedTarget): string =>
          [chosen.fallback, outcomes.get(t.pid)?.attachFailed].filter((x): x is string => Boolean(x)).join('; ');
        if (stopped) {
          for (const t of unwatched)
            put(t, chosen.kind, { ...(outcomes.get(t.pid) as BackendOutcome), endedAt: null }, reasonOf(t));
        } else {
          run = startPollBackend(unwatched);
          const polled = await run.done;
          for (const t of unwatched) put(t, 'poll', polled.get(t.pid), reasonOf(t));
        }
      }
    } finally {
      if (ticker) clearInterval(ticker);
      if (timer) clearTimeout(timer);
    }
  }
  return pids.filter((p, i) => pids.indexOf(p) === i).map((p) => results.get(p) as WatchResult);
}
