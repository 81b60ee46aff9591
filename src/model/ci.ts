/**
 * The CI runner's hold on the process: environment markers runners reap by (NAMES only; values may be
 * secrets and are never read) and a CI runner among its ancestors.
 */
import type { Facts, ReadErrorCode } from '../source/types';
import { CI_ESCAPES, CI_MARKERS, CI_SYSTEM_OF, type CiSystem } from './ci-markers';
import type { ChainSection } from './chain';
import { envNamesAmong } from './env-names';

export type CiSection = {
  markers: string[];
  systems: CiSystem[];
  /**
   * Markers a runner reaps by, still carrying a live value (RUNNER_TRACKING_ID non-empty, BUILD_ID /
   * JENKINS_NODE_COOKIE not dontKillMe).
   */
  reapingMarkers: string[];
  /** Markers set to their runner's escape (`RUNNER_TRACKING_ID=` empty, `dontKillMe`), as `NAME=VALUE`. */
  escaped: string[];
  runnerAncestor: { pid: number; comm: string; label: string } | null;
  unreadable: string | null;
};

export interface Ci {
  section: CiSection;
  /** Why the environment could not be read; null when it was. */
  readError: { code: ReadErrorCode; message: string } | null;
}

/** `chain` null when the ancestry could not be read: no runner ancestor is then known. */
export function deriveCi(facts: Facts, pid: number, chain: ChainSection | null): Ci {
  const read = envNamesAmong(facts, pid, CI_MARKERS);
  const markers = read.ok ? CI_MARKERS.filter((m) => read.value.includes(m)) : [];
  const systems = [...new Set(markers.map((m) => CI_SYSTEM_OF[m]))];
  const reapers = markers.filter((m) => m in CI_ESCAPES);
  // Asked only when a reaping marker is present, so bundles captured before this question replay as before.
  const esc =
    reapers.length > 0
      ? envNamesAmong(
          facts,
          pid,
          reapers.map((m) => CI_ESCAPES[m]),
        )
      : null;
  const escaped = esc?.ok ? esc.value : [];
  return {
    section: {
      markers: [...markers],
      systems,
      reapingMarkers: reapers.filter((m) => !escaped.includes(CI_ESCAPES[m])),
      escaped,
      runnerAncestor: chain?.ciRunner ?? null,
      unreadable: read.ok ? null : `${read.code}: ${read.message}`,
    },
    readError: read.ok ? null : { code: read.code, message: read.message },
  };
}
