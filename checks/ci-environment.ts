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
  /** Markers that mean "a runner reaps processes carrying this" (RUNNER_TRACKING_ID, BUILD_ID, JENKINS_NODE_COOKIE). */
  reapingMarkers: string[];
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

/** GitHub's runner kills processes carrying RUNNER_TRACKING_ID; Jenkins' ProcessTreeKiller matches BUILD_ID / JENKINS_NODE_COOKIE. */
const REAPING = new Set(['RUNNER_TRACKING_ID', 'BUILD_ID', 'JENKINS_NODE_COOKIE', 'GITLAB_CI', 'CI_JOB_ID', 'GITHUB_ACTIONS']);

export const ciEnvironment: Check = {
  meta: {
    id: 'ci-environment',
    title: 'CI environment',
    description: 'Environment variable names (never values) CI runners use to reap leftover processes, and a CI runner ancestor.',
    requires: ['existence'],
    codes: {
      none: 'No CI markers in its environment and no CI runner ancestor.',
      markers: 'Its environment carries CI markers: the runner reaps such processes when the job ends.',
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
    const reapingMarkers = markers.filter((m) => REAPING.has(m));
    const evidence: CiEnvironmentEvidence = {
      markers: [...markers],
      systems,
      reapingMarkers,
      runnerAncestor,
      unreadable: read.ok ? null : `${read.code}: ${read.message}`,
    };
    const details: string[] = [];
    if (markers.length > 0) details.push(`Marker names present: ${markers.join(', ')} (values not read).`);
    if (runnerAncestor) details.push(`CI runner ancestor: ${runnerAncestor.label} (${runnerAncestor.pid}).`);
    if (!read.ok) details.push(`Could not read /proc/${pid}/environ (${read.code}): ${read.code === 'EACCES' || read.code === 'EPERM' ? 'it belongs to another user; run as that user or root' : read.message}.`);
    if (reapingMarkers.length > 0) {
      return { status: 'warn', code: 'markers', summary: `CI markers in its environment: ${reapingMarkers.join(', ')}; the runner reaps it when the job ends.`, details, evidence };
    }
    if (runnerAncestor) {
      return { status: 'warn', code: 'runner-ancestor', summary: `Runs under CI runner ${runnerAncestor.label} (${runnerAncestor.pid}).`, details, evidence };
    }
    if (!read.ok) {
      return { status: read.code === 'EACCES' || read.code === 'EPERM' ? 'warn' : 'info', code: 'unreadable', summary: `Could not read its environment names (${read.code}).`, details, evidence };
    }
    if (markers.length > 0) {
      return { status: 'info', code: 'generic-ci', summary: 'Only the generic CI variable is set; no runner-specific marker.', details, evidence };
    }
    return { status: 'pass', code: 'none', summary: 'No CI markers and no CI runner ancestor.', details, evidence };
  },
};
