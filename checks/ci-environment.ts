/**
 * ci-environment: the environment markers CI runners use to find and reap leftover processes.
 * Only NAMES are read (through facts.envNames); values may be secrets and are never touched.
 */
import type { Check } from '../src/engine/types';
import type { ParentChainEvidence } from './parent-chain';

export const CI_MARKERS = ['RUNNER_TRACKING_ID', 'GITHUB_ACTIONS', 'BUILD_ID', 'JENKINS_NODE_COOKIE', 'JENKINS_URL', 'GITLAB_CI', 'CI_JOB_ID', 'CI'] as const;

export type CiSystem = 'github-actions' | 'jenkins' | 'gitlab' | 'generic';

export type CiEnvironmentEvidence = {
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

const SYSTEM_OF: Record<string, CiSystem> = {
  RUNNER_TRACKING_ID: 'github-actions',
  GITHUB_ACTIONS: 'github-actions',
  BUILD_ID: 'jenkins',
  JENKINS_NODE_COOKIE: 'jenkins',
  JENKINS_URL: 'jenkins',
  GITLAB_CI: 'gitlab',
  CI_JOB_ID: 'gitlab',
  CI: 'generic',
};

/**
 * GitHub's runner kills processes whose RUNNER_TRACKING_ID equals the job's; Jenkins' ProcessTreeKiller
 * matches the build's BUILD_ID / JENKINS_NODE_COOKIE. Each has a documented escape value: asking the
 * source for `NAME=VALUE` tells whether the variable holds exactly that, without reading any value.
 */
const ESCAPES: Record<string, string> = {
  RUNNER_TRACKING_ID: 'RUNNER_TRACKING_ID=',
  BUILD_ID: 'BUILD_ID=dontKillMe',
  JENKINS_NODE_COOKIE: 'JENKINS_NODE_COOKIE=dontKillMe',
};

export const ciEnvironment: Check = {
  meta: {
    id: 'ci-environment',
    title: 'CI environment',
    description: 'Environment variable names (never values) CI runners use to reap leftover processes, and a CI runner ancestor.',
    requires: ['existence'],
    codes: {
      none: 'No CI markers in its environment and no CI runner ancestor.',
      markers: 'Its environment carries live CI markers (a tracking id or build cookie): the runner reaps such processes when the job ends.',
      escaped: 'Its CI markers are set to the runner\'s escape (empty RUNNER_TRACKING_ID, dontKillMe): the cleanup passes over it.',
      gitlab: 'GitLab CI markers: the runner kills the job script\'s process group when the job ends.',
      'runner-ancestor': 'A CI runner is an ancestor: the runner reaps its process tree when the job ends.',
      'generic-ci': 'Only the generic CI variable is set: no runner-specific reaping marker.',
      unreadable: '/proc/PID/environ could not be read (another user\'s process).',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const chainF = ctx.prior.get('parent-chain');
    const chain = chainF && chainF.status !== 'skip' && chainF.status !== 'error' ? (chainF.evidence as unknown as ParentChainEvidence) : null;
    const runnerAncestor = chain?.ciRunner ?? null;
    const read = ctx.facts.envNames(pid, CI_MARKERS);
    const markers = read.ok ? CI_MARKERS.filter((m) => read.value.includes(m)) : [];
    const systems = [...new Set(markers.map((m) => SYSTEM_OF[m]))];
    const reapers = markers.filter((m) => m in ESCAPES);
    // Asked only when a reaping marker is present, so bundles captured before this question replay as before.
    const esc = reapers.length > 0 ? ctx.facts.envNames(pid, reapers.map((m) => ESCAPES[m])) : null;
    const escaped = esc?.ok ? esc.value : [];
    const reapingMarkers = reapers.filter((m) => !escaped.includes(ESCAPES[m]));
    const evidence: CiEnvironmentEvidence = {
      markers: [...markers],
      systems,
      reapingMarkers,
      escaped,
      runnerAncestor,
      unreadable: read.ok ? null : `${read.code}: ${read.message}`,
    };
    const details: string[] = [];
    if (markers.length > 0) details.push(`Marker names present: ${markers.join(', ')} (values not read).`);
    if (escaped.length > 0) details.push(`Set to the runner's escape: ${escaped.join(', ')}.`);
    if (runnerAncestor) details.push(`CI runner ancestor: ${runnerAncestor.label} (${runnerAncestor.pid}).`);
    if (!read.ok) details.push(`Could not read /proc/${pid}/environ (${read.code}): ${read.code === 'EACCES' || read.code === 'EPERM' ? 'it belongs to another user; run as that user or root' : read.message}.`);
    if (reapingMarkers.length > 0) {
      return { status: 'warn', code: 'markers', summary: `CI markers in its environment: ${reapingMarkers.join(', ')}; the runner reaps it when the job ends.`, details, evidence };
    }
    if (escaped.length > 0) {
      return { status: 'pass', code: 'escaped', summary: `CI markers set to the runner's escape (${escaped.join(', ')}): its cleanup passes over it.`, details, evidence };
    }
    if (runnerAncestor) {
      return { status: 'warn', code: 'runner-ancestor', summary: `Runs under CI runner ${runnerAncestor.label} (${runnerAncestor.pid}).`, details, evidence };
    }
    if (!read.ok) {
      return { status: read.code === 'EACCES' || read.code === 'EPERM' ? 'warn' : 'info', code: 'unreadable', summary: `Could not read its environment names (${read.code}).`, details, evidence };
    }
    if (systems.includes('gitlab')) {
      return { status: 'info', code: 'gitlab', summary: 'GitLab CI job: the runner kills the job script\'s process group when the job ends.', details, evidence };
    }
    if (markers.length > 0) {
      return { status: 'info', code: 'generic-ci', summary: 'Only the generic CI variable is set; no runner-specific marker.', details, evidence };
    }
    return { status: 'pass', code: 'none', summary: 'No CI markers and no CI runner ancestor.', details, evidence };
  },
};
