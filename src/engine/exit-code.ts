/**
 * Exit codes (documented in --help, README and docs/DEVELOPING.md). Derived from the verdict only:
 * the verdict module is the one place that judges findings.
 */
import type { Report } from './types';

export const EXIT = {
  ok: 0,
  atRisk: 1,
  usage: 2,
  diedCauseKnown: 3,
  unknown: 4,
  internal: 70,
} as const;

export const EXIT_CODE_HELP = [
  '0   alive, no risk found',
  '1   alive but at risk, or a zombie whose death is unexplained',
  '2   usage error or invalid input',
  '3   dead (or a zombie), cause established',
  '4   dead or not found, cause unknown',
  '70  internal error',
];

export function exitCodeFor(report: Report): number {
  switch (report.state) {
    case 'alive':
      // Only a clean `ok` promises survival; at-risk and an undecided verdict both warrant attention.
      return report.verdict.status === 'ok' ? EXIT.ok : EXIT.atRisk;
    case 'zombie':
      // A zombie has died already; when a watch, record or the kernel log says how, that is the answer.
      return report.verdict.cause !== null && report.verdict.cause.kind !== 'unknown'
        ? EXIT.diedCauseKnown
        : EXIT.atRisk;
    case 'dead':
    case 'not-found': {
      const cause = report.verdict.cause;
      return cause !== null && cause.kind !== 'unknown' ? EXIT.diedCauseKnown : EXIT.unknown;
    }
  }
}

/** With several targets the highest code wins; no report at all means nothing was found. */
export function exitCodeForAll(reports: readonly Report[]): number {
  if (reports.length === 0) return EXIT.unknown;
  return Math.max(...reports.map(exitCodeFor));
}
