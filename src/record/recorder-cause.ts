/**
 * The recorder's cause of death for one exit. Processes that received a fatal-by-default signal go through
 * the watcher's DeathTracker (same rules: exit_group wins over a handled signal, a re-raised signal is
 * blamed on the original sender, OOM victims); the common case - a plain exit with no signal - is built
 * directly, without allocating a tracker per process.
 */
import type { Cause } from '../engine/types';
import { DeathTracker } from '../observe/derive';

export interface ExitFacts {
  exitCode: number | undefined;
  tracker: DeathTracker | undefined;
  wallMs: number;
}

export function recorderCause(f: ExitFacts): Cause {
  const time = new Date(f.wallMs).toISOString();
  if (f.tracker) {
    if (f.exitCode !== undefined) f.tracker.onExitGroup(f.exitCode, f.wallMs);
    f.tracker.onEnd(f.wallMs);
    const c = f.tracker.cause('tracefs');
    if (c) return { ...c, source: 'record', details: { ...(c.details ?? {}), recorder: true } };
  }
  if (f.exitCode !== undefined) {
    return {
      kind: 'exit',
      exitCode: f.exitCode & 0xff,
      time,
      source: 'record',
      details: { backend: 'tracefs', recorder: true, exitGroupArg: f.exitCode },
    };
  }
  return {
    kind: 'unknown',
    time,
    source: 'record',
    details: {
      backend: 'tracefs',
      recorder: true,
      note: 'no exit_group and no fatal signal seen: every thread exited on its own, or an event was lost',
    },
  };
}
