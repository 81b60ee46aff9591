/**
 * Last resort: poll /proc/PID every 100 ms. It only learns the time of death; the cause is left to the
 * postmortem checks (kernel log, journal).
 */
import { isRunning } from '../source/process-identity';
import type { BackendOutcome, BackendRun, WatchedTarget } from './types';

const POLL_MS = 100;

export function startPollBackend(targets: WatchedTarget[]): BackendRun {
  const outcomes = new Map<number, BackendOutcome>();
  let resolve: (m: Map<number, BackendOutcome>) => void = () => undefined;
  const done = new Promise<Map<number, BackendOutcome>>((r) => (resolve = r));
  const tick = (): void => {
    for (const t of targets) {
      if (!outcomes.has(t.pid) && !isRunning(t.pid)) {
        outcomes.set(t.pid, {
          cause: null,
          signalsSeen: 0,
          endedAt: new Date().toISOString(),
          note: 'poll backend: time of death only',
        });
      }
    }
    if (outcomes.size === targets.length) finish();
  };
  const timer = setInterval(tick, POLL_MS);
  const finish = (): void => {
    clearInterval(timer);
    resolve(outcomes);
  };
  setImmediate(tick);
  return {
    done,
    signalsSeen: () => 0,
    stop: () => {
      for (const t of targets)
        if (!outcomes.has(t.pid))
          outcomes.set(t.pid, {
            cause: null,
            signalsSeen: 0,
            endedAt: null,
            note: 'still running when the watch stopped',
          });
      finish();
    },
  };
}
