/**
 * ci-cleanup: the CI job ends and its runner cleans up. Each runner finds leftovers its own way:
 * GitHub's runner kills processes whose environment carries the job's RUNNER_TRACKING_ID; Jenkins'
 * ProcessTreeKiller matches BUILD_ID / JENKINS_NODE_COOKIE; GitLab Runner's shell executor kills the
 * job script's process group. So the escapes differ: an empty tracking id, `dontKillMe`, a new session.
 * Values are never read: the source only tells whether a marker is set to the known escape.
 */
import type { SurvivalRule, RiskEvidence } from './types';
import { termThenKillNote } from './dispositions';

const live = (e: RiskEvidence, name: string): boolean => (e.ci?.reapingMarkers ?? []).includes(name);
const escaped = (e: RiskEvidence): string[] => e.ci?.escaped ?? [];
const gitlab = (e: RiskEvidence): boolean => (e.ci?.markers ?? []).some((m) => m === 'GITLAB_CI' || m === 'CI_JOB_ID');

export const ciCleanupRules: SurvivalRule[] = [
  {
    code: 'ci.github-tracking-id',
    event: 'ci-cleanup',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      'Its environment carries a non-empty RUNNER_TRACKING_ID: the GitHub Actions runner kills such processes when the job ends.',
    when: (e) =>
      live(e, 'RUNNER_TRACKING_ID')
        ? `its environment carries RUNNER_TRACKING_ID (set, value not read): the GitHub Actions runner kills every process carrying the job's tracking id when the job ends, whatever session or group it is in${termThenKillNote(e, "the runner's cleanup")}`
        : null,
  },
  {
    code: 'ci.jenkins-cookie',
    event: 'ci-cleanup',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      "Its environment carries BUILD_ID or JENKINS_NODE_COOKIE (not dontKillMe): Jenkins' ProcessTreeKiller kills it when the build ends.",
    when: (e) => {
      const names = ['JENKINS_NODE_COOKIE', 'BUILD_ID'].filter((n) => live(e, n));
      return names.length > 0
        ? `its environment carries ${names.join(' and ')} (set, not dontKillMe): Jenkins' ProcessTreeKiller kills every process carrying the build's cookie when the build ends${termThenKillNote(e, 'ProcessTreeKiller')}`
        : null;
    },
  },
  {
    code: 'ci.gitlab-job-group',
    event: 'ci-cleanup',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      "It carries GitLab CI markers and is still in the job script's process group: the runner kills that group when the job ends.",
    when: (e) =>
      gitlab(e) && e.group && !e.group.groupLeader
        ? `it carries GitLab CI markers and is still in process group ${e.group.pgid}: GitLab Runner's shell executor kills the job script's process group when the job ends${termThenKillNote(e, 'GitLab Runner (after its graceful timeout)')}`
        : null,
  },
  {
    code: 'ci.escaped',
    event: 'ci-cleanup',
    outcome: 'survives',
    confidence: 'certain',
    meaning:
      "Its CI markers are set to the runner's escape (an empty RUNNER_TRACKING_ID, dontKillMe): the cleanup does not match it.",
    when: (e) =>
      escaped(e).length > 0
        ? `its CI markers are set to the escape (${escaped(e).join(', ')}): the runner's cleanup matches processes by the job's own value, so it passes over this one${gitlab(e) ? ' (and it leads its own process group)' : ''}`
        : null,
  },
  {
    code: 'ci.gitlab-detached',
    event: 'ci-cleanup',
    outcome: 'survives',
    confidence: 'likely',
    meaning: 'It carries GitLab CI markers but leads its own process group: the job-end group kill does not reach it.',
    when: (e) =>
      gitlab(e) && e.group?.groupLeader
        ? `it carries GitLab CI markers but leads its own process group ${e.group.pgid}: the runner's kill of the job script's group does not reach it`
        : null,
  },
  {
    code: 'ci.init',
    event: 'ci-cleanup',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'It is pid 1, the init of its PID namespace: no CI runner reaps the init.',
    when: (e) =>
      e.process?.pid === 1 ? 'it is pid 1, the init of this PID namespace: no CI runner reaps the init' : null,
  },
  {
    code: 'ci.unread',
    event: 'ci-cleanup',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: "Its environment could not be read, so whether a CI runner's cleanup matches it is unknown.",
    when: (e) => {
      if (e.ci && !e.ci.unreadable) return null;
      // Runners find leftovers by environment: without it, a runner ancestor is a hint, not an answer.
      const r = e.ci?.runnerAncestor ?? e.chain?.ciRunner ?? null;
      const hint = r
        ? `; CI runner ${r.label} (pid ${r.pid}) is an ancestor, so it may be reaped when the job ends`
        : '';
      return `its environment could not be read${e.ci?.unreadable ? ` (${e.ci.unreadable})` : ''}${hint}`;
    },
  },
  {
    code: 'ci.generic',
    event: 'ci-cleanup',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'Only the generic CI variable is set: no runner-specific marker or runner ancestor tells how cleanup works.',
    when: (e) =>
      (e.ci?.markers ?? []).includes('CI')
        ? 'only the generic CI variable is set: which CI runs it, and so how its cleanup finds leftovers, cannot be told from /proc (no runner-specific marker or runner ancestor)'
        : null,
  },
  {
    code: 'ci.none',
    event: 'ci-cleanup',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'No CI markers in its environment and no CI runner ancestor.',
    when: () =>
      'no CI markers (RUNNER_TRACKING_ID, BUILD_ID, JENKINS_NODE_COOKIE, GITLAB_CI, ...) in its environment and no CI runner ancestor',
  },
];
