/**
 * ci-environment: the environment markers CI runners use to find and reap leftover processes.
 * Only NAMES are read (through facts.envNames); values may be secrets and are never touched.
 */
import type { Check } from '../src/engine/types';
import { CI_SYSTEM_LABEL } from '../src/model/ci-markers';

export const ciEnvironment: Check = {
  meta: {
    id: 'ci-environment',
    title: 'CI environment',
    description:
      'Environment variable names (never values) CI runners use to reap leftover processes, and a CI runner ancestor.',
    requires: ['existence'],
    codes: {
      none: 'No CI markers in its environment and no CI runner ancestor.',
      markers:
        'Its environment carries live CI markers (a tracking id or build cookie): the runner reaps such processes when the job ends.',
      escaped:
        "Its CI markers are set to the runner's escape (empty RUNNER_TRACKING_ID, dontKillMe): the cleanup passes over it.",
      gitlab: "GitLab CI markers: the runner kills the job script's process group when the job ends.",
      'runner-ancestor': 'A CI runner is an ancestor: the runner reaps its process tree when the job ends.',
      'runner-markers':
        "A CI runner's own markers without a live reaping one (Buildkite, Woodpecker, Drone, TeamCity, ...): the ci-cleanup risk says how that runner ends the job.",
      'generic-ci': 'Only the generic CI variable is set: no runner-specific reaping marker.',
      unreadable: "/proc/PID/environ could not be read (another user's process).",
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const { section: evidence, readError } = ctx.model.ci;
    const { markers, systems, reapingMarkers, escaped, runnerAncestor } = evidence;
    const read = readError === null ? { ok: true as const } : { ok: false as const, ...readError };
    const details: string[] = [];
    if (markers.length > 0) details.push(`Marker names present: ${markers.join(', ')} (values not read).`);
    if (escaped.length > 0) details.push(`Set to the runner's escape: ${escaped.join(', ')}.`);
    if (runnerAncestor) details.push(`CI runner ancestor: ${runnerAncestor.label} (${runnerAncestor.pid}).`);
    if (!read.ok)
      details.push(
        `Could not read /proc/${pid}/environ (${read.code}): ${read.code === 'EACCES' || read.code === 'EPERM' ? 'it belongs to another user; run as that user or root' : read.message}.`,
      );
    if (reapingMarkers.length > 0) {
      return {
        status: 'warn',
        code: 'markers',
        summary: `CI markers in its environment: ${reapingMarkers.join(', ')}; the runner reaps it when the job ends.`,
        details,
        evidence,
      };
    }
    if (escaped.length > 0) {
      return {
        status: 'pass',
        code: 'escaped',
        summary: `CI markers set to the runner's escape (${escaped.join(', ')}): its cleanup passes over it.`,
        details,
        evidence,
      };
    }
    if (runnerAncestor) {
      return {
        status: 'warn',
        code: 'runner-ancestor',
        summary: `Runs under CI runner ${runnerAncestor.label} (${runnerAncestor.pid}).`,
        details,
        evidence,
      };
    }
    if (!read.ok) {
      return {
        status: read.code === 'EACCES' || read.code === 'EPERM' ? 'warn' : 'info',
        code: 'unreadable',
        summary: `Could not read its environment names (${read.code}).`,
        details,
        evidence,
      };
    }
    if (systems.includes('gitlab')) {
      return {
        status: 'info',
        code: 'gitlab',
        summary: "GitLab CI job: the runner kills the job script's process group when the job ends.",
        details,
        evidence,
      };
    }
    const runners = systems.filter((sys) => sys !== 'generic');
    if (runners.length > 0) {
      return {
        status: 'info',
        code: 'runner-markers',
        summary: `${runners.map((sys) => CI_SYSTEM_LABEL[sys]).join(', ')} job: no reaping marker; the ci-cleanup risk says how its runner ends the job.`,
        details,
        evidence,
      };
    }
    if (markers.length > 0) {
      return {
        status: 'info',
        code: 'generic-ci',
        summary: 'Only the generic CI variable is set; no runner-specific marker.',
        details,
        evidence,
      };
    }
    return { status: 'pass', code: 'none', summary: 'No CI markers and no CI runner ancestor.', details, evidence };
  },
};
