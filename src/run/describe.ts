/**
 * The one line `whydied run` prints on stderr when the command did not succeed, and the cause it records.
 * Pure: facts in, words out. Process names are hostile data: escaped here.
 */
import type { Cause, Evidence } from '../engine/types';
import { escapeControl } from '../util/escape';
import { signalNumber } from '../source/signals';
import { describeCause } from '../engine/describe-cause';

export interface RunOutcome {
  pid: number;
  comm: string;
  /** From the wait status. */
  exitCode: number | null;
  signal: string | null;
  /** What a tracefs watch established (sender, mechanism), when one could run. */
  watched: Cause | null;
  /** Why no watch ran (not root, tracefs missing...). */
  watchNote?: string;
  peakRssKb: number | null;
  oom: { cgroup: string; delta: number } | null;
  endedAt: string;
}

/** Exit status as a shell reports it: the code, or 128+N for a signal. */
export function shellStatus(exitCode: number | null, signal: string | null): number {
  if (exitCode !== null) return exitCode;
  const n = signal ? signalNumber(signal) : null;
  return 128 + (n ?? 0);
}

function size(kb: number): string {
  return kb < 1024 ? `${kb} KiB` : `${(kb / 1024).toFixed(1)} MiB`;
}

/** The cause to record: the watch's when it agrees with the wait status, else one from the status alone. */
export function runCause(o: RunOutcome): Cause {
  const details: Evidence = { run: true };
  if (o.peakRssKb !== null) details.peakRssKb = o.peakRssKb;
  if (o.oom) details.oomKillDelta = o.oom.delta;
  if (o.oom) details.memcg = o.oom.cgroup;
  const w = o.watched;
  const agrees =
    w && ((w.kind === 'exit' && w.exitCode === o.exitCode) || (w.signal !== undefined && w.signal === o.signal));
  if (w && agrees) return { ...w, source: 'watch', details: { ...(w.details ?? {}), ...details } };
  if (o.signal === 'SIGKILL' && o.oom && o.oom.delta > 0) {
    return {
      kind: 'oom-kill',
      signal: 'SIGKILL',
      time: o.endedAt,
      source: 'watch',
      details: { ...details, backend: 'wait', kernelSent: true },
    };
  }
  if (o.signal)
    return {
      kind: 'signal',
      signal: o.signal,
      time: o.endedAt,
      source: 'watch',
      details: { ...details, backend: 'wait' },
    };
  return {
    kind: 'exit',
    exitCode: o.exitCode ?? 0,
    time: o.endedAt,
    source: 'watch',
    details: { ...details, backend: 'wait' },
  };
}

/** `whydied run: make (pid 4242) was killed by SIGTERM from kill (pid 4250, uid 0), sent to it directly · exit status 143 (SIGTERM) · peak RSS 3.1 MiB`. */
export function describeRun(o: RunOutcome, cause: Cause): string {
  const who = `${escapeControl(o.comm)} (pid ${o.pid})`;
  const status = shellStatus(o.exitCode, o.signal);
  const d = cause.details ?? {};
  let what = escapeControl(describeCause(cause, o.pid));
  // From the wait status alone (no watch, or it saw nothing): say why the sender is missing.
  const unexplained = cause.kind !== 'exit' && cause.kind !== 'oom-kill' && !cause.sender && d.kernelSent !== true;
  if (unexplained) what += ` (sender unknown: ${o.watchNote ?? 'no tracefs watch'})`;
  const parts = [`whydied run: ${who} ${what}`];
  if (o.signal) parts.push(`exit status ${status} (${o.signal})`);
  if (o.peakRssKb !== null) parts.push(`peak RSS ${size(o.peakRssKb)}`);
  if (o.oom && o.oom.delta > 0) parts.push(`memory cgroup ${escapeControl(o.oom.cgroup)}: oom_kill +${o.oom.delta}`);
  return parts.join(' · ');
}
