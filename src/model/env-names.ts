/**
 * Every environment name the model asks a process about, asked in ONE read of /proc/PID/environ: the CI
 * markers and their escapes (ci.ts) and Node's IPC channel (stdio.ts) used to cost a read each. Names
 * only, as RawSource.envNames answers: no value leaves the source.
 */
import type { Facts, Read } from '../source/types';
import { ok } from '../source/types';
import { CI_ESCAPES, CI_MARKERS, CI_MARKERS_ADDED_LATER } from './ci-markers';

/** Node's child_process IPC channel (its fd) and the cluster worker's id. */
export const NODE_CHANNEL_NAMES = ['NODE_CHANNEL_FD', 'NODE_UNIQUE_ID'] as const;

/** The one question list, so every ask of a process is the same (Facts memoises by it). */
export const ENV_QUESTIONS: readonly string[] = [
  ...new Set<string>([...CI_MARKERS, ...Object.values(CI_ESCAPES), ...NODE_CHANNEL_NAMES]),
].sort();

/**
 * Which of `wanted` (a subset of ENV_QUESTIONS) the process has, in the source's order: the answer to the
 * whole list, narrowed. A bundle captured before a name was asked answers the whole list NOTCAPTURED: it
 * is then asked `wanted` alone, as it was at capture.
 */
export function envNamesAmong(facts: Facts, pid: number, wanted: readonly string[]): Read<string[]> {
  const all = facts.envNames(pid, ENV_QUESTIONS);
  if (all.ok) return ok(all.value.filter((n) => wanted.includes(n)));
  if (all.code !== 'NOTCAPTURED') return all;
  const asked = facts.envNames(pid, wanted);
  if (asked.ok || asked.code !== 'NOTCAPTURED') return asked;
  // Captured before some markers existed: ask what it was asked then.
  const older = wanted.filter((n) => !CI_MARKERS_ADDED_LATER.includes(n));
  return older.length < wanted.length ? facts.envNames(pid, older) : asked;
}
