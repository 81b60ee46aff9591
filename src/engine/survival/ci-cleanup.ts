/**
 * ci-cleanup: the CI job ends and its runner cleans up. Each runner finds leftovers its own way, and the
 * two tables below say which: runners that scan every process's environment for the job's marker value
 * (GitHub Actions, Jenkins, Azure Pipelines), and runners that signal the job script's process group
 * (GitLab Runner's shell executor, Buildkite, Woodpecker's local backend); Drone's exec runner kills only
 * the step's own process; TeamCity's agent is closed source (undecided). So the escapes differ: an
 * empty or `dontKillMe` marker for the first, a group (session) of its own for the second. Values are
 * never read: the source only tells whether a marker is set to the known escape. Adding a runner is one
 * entry (its markers in src/model/ci-markers.ts, its mechanism here) plus its reality scenario.
 */
import type { SurvivalRule, RiskEvidence } from './types';
import type { RiskConfidence } from '../rule-words';
import { termThenKillNote } from './dispositions';

/** A runner that kills, at job end, every process whose environment carries the job's marker value. */
interface EnvReaper {
  code: string;
  names: readonly string[];
  meaning: string;
  /** What is said of a live marker's value: "set, value not read". */
  set: string;
  /** "the X runner kills ..." after "its environment carries NAMES (set, ...)". */
  kills: string;
  /** How the kill ends: SIGTERM then SIGKILL (who, for termThenKillNote), or SIGKILL at once. */
  killer: { termThenKill: string } | 'sigkill';
  /** The runner's other markers without its reaping one: its scan was turned off for the job. */
  off?: { code: string; markers: readonly string[]; meaning: string; words: string };
}

const ENV_REAPERS: readonly EnvReaper[] = [
  {
    // actions/runner src/Runner.Worker/JobExtension.cs (the Azure agent's descendant): InitializeJob sets
    // RUNNER_TRACKING_ID in the worker's own environment unless process.clean is false; FinalizeJob
    // Process.Kill()s (SIGKILL) every process started since whose value equals the job's.
    code: 'ci.github-tracking-id',
    names: ['RUNNER_TRACKING_ID'],
    set: 'set, value not read',
    meaning:
      'Its environment carries a non-empty RUNNER_TRACKING_ID: the GitHub Actions runner kills such processes when the job ends.',
    kills:
      "at the job's end the GitHub Actions runner SIGKILLs every process it started that carries the job's id, in any session or group",
    killer: 'sigkill',
    off: {
      code: 'ci.github-no-tracking-id',
      markers: ['GITHUB_ACTIONS'],
      meaning:
        'It carries GITHUB_ACTIONS but no RUNNER_TRACKING_ID: the job runs with process.clean false, so the runner does not look for leftovers.',
      words:
        "it carries GITHUB_ACTIONS but no RUNNER_TRACKING_ID: the GitHub Actions runner sets that id only when the job's process.clean variable is not false, and kills only processes carrying it, so its cleanup passes over this one",
    },
  },
  {
    code: 'ci.jenkins-cookie',
    names: ['JENKINS_NODE_COOKIE', 'BUILD_ID'],
    set: 'set, not dontKillMe',
    meaning:
      "Its environment carries BUILD_ID or JENKINS_NODE_COOKIE (not dontKillMe): Jenkins' ProcessTreeKiller kills it when the build ends.",
    kills: "Jenkins' ProcessTreeKiller kills every process carrying the build's cookie when the build ends",
    killer: { termThenKill: 'ProcessTreeKiller' },
    off: {
      code: 'ci.jenkins-no-cookie',
      markers: ['JENKINS_URL'],
      meaning:
        "It carries JENKINS_URL but neither BUILD_ID nor JENKINS_NODE_COOKIE: ProcessTreeKiller matches only the build's cookie, so it passes it over.",
      words:
        "it carries JENKINS_URL but neither BUILD_ID nor JENKINS_NODE_COOKIE: Jenkins' ProcessTreeKiller kills only processes carrying the build's cookie, so its cleanup passes over this one",
    },
  },
  {
    // microsoft/azure-pipelines-agent src/Agent.Worker/JobExtension.cs: InitializeJob sets
    // VSTS_PROCESS_LOOKUP_ID=vsts_<guid> unless the pipeline variable process.clean is false (then the
    // variable is absent); FinalizeJob reads each process started since (pid+name snapshot) and calls
    // Process.Kill() (SIGKILL on Linux) when the value equals the job's, case-insensitively.
    code: 'ci.azure-lookup-id',
    names: ['VSTS_PROCESS_LOOKUP_ID'],
    set: 'set and not empty, value not read',
    meaning:
      "Its environment carries VSTS_PROCESS_LOOKUP_ID: the Azure Pipelines agent SIGKILLs every process started during the job that carries the job's lookup id when the job ends.",
    kills:
      "at the job's end the Azure Pipelines agent SIGKILLs every process it started that carries the job's id, in any session or group",
    killer: 'sigkill',
    off: {
      code: 'ci.azure-no-lookup',
      markers: ['TF_BUILD'],
      meaning:
        'It carries TF_BUILD but no VSTS_PROCESS_LOOKUP_ID: the job runs with process.clean false, so the Azure Pipelines agent does not look for leftovers.',
      words:
        "it carries TF_BUILD but no VSTS_PROCESS_LOOKUP_ID: the Azure Pipelines agent sets that id only when the job's process.clean variable is not false, and kills only processes carrying it, so its cleanup passes over this one",
    },
  },
];

/** A runner that signals the job script's process group (its shell leads it), so a new group escapes. */
interface GroupReaper {
  /** Codes: `${id}-job-group` (dies), `${id}-detached` (survives). */
  id: string;
  markers: readonly string[];
  /** Who, for the reasons ("GitLab CI markers"). */
  who: string;
  confidence: RiskConfidence;
  meaning: string;
  /** What the runner does to the group, after "... still in process group N: ". */
  does: string;
  killer: { termThenKill: string } | 'sigkill';
}

const GROUP_REAPERS: readonly GroupReaper[] = [
  {
    // gitlab-runner executors/shell + helpers/process (see test/reality/harness/ci-reapers.ts).
    id: 'ci.gitlab',
    markers: ['GITLAB_CI', 'CI_JOB_ID'],
    who: 'GitLab CI markers',
    confidence: 'likely',
    meaning:
      "It carries GitLab CI markers and is still in the job script's process group: the runner kills that group when the job ends.",
    does: "GitLab Runner's shell executor kills the job script's process group when the job is cancelled or times out (SIGTERM, its graceful timeout, SIGKILL; before 14.0, SIGKILL after every script)",
    killer: { termThenKill: 'GitLab Runner (after its graceful timeout)' },
  },
  {
    // buildkite/agent internal/process: every command (the job executor, and each hook/command it runs)
    // starts with Setpgid, or Setsid in a PTY (the default); on cancel or timeout onContextCancel sends
    // the cancel signal (SIGTERM by default) to -pgid, waits cancel-signal-timeout, then SIGKILL to -pgid.
    // A job that ends on its own kills nothing.
    id: 'ci.buildkite',
    markers: ['BUILDKITE', 'BUILDKITE_JOB_ID'],
    who: 'Buildkite markers',
    confidence: 'possible',
    meaning:
      "It carries Buildkite markers and is still in the job command's process group: the agent signals that group when the job is cancelled or times out.",
    does: "the Buildkite agent sends the job command's process group SIGTERM, then SIGKILL after its cancel-signal-timeout, when the job is cancelled or times out (a job that ends on its own kills nothing)",
    killer: { termThenKill: 'the Buildkite agent' },
  },
  {
    // woodpecker-ci/woodpecker pipeline/backend/local: newCmd sets Setpgid and Cancel = Kill(-pid,
    // SIGKILL); DestroyStep calls Cancel after every step, success or not.
    id: 'ci.woodpecker',
    markers: ['CI_WORKFLOW_NAME'],
    who: 'Woodpecker markers',
    confidence: 'likely',
    meaning:
      "It carries Woodpecker markers and is still in the step's process group: the local backend SIGKILLs that group when the step ends.",
    does: "Woodpecker's local backend SIGKILLs the step's process group when the step ends (DestroyStep, success or not; SIGKILL: no handler runs)",
    killer: 'sigkill',
  },
];

/** Runners that, at a step's end or cancel, kill only the step's own process: leftovers are never reaped. */
const OWN_PROCESS_RUNNERS: readonly { markers: readonly string[]; words: string }[] = [
  {
    // drone-runners/drone-runner-exec engine/exec.go Run: exec.CommandContext with no SysProcAttr (the
    // step shares the runner's group), and on cancel or timeout cmd.Process.Kill(): SIGKILL to that one pid.
    markers: ['DRONE'],
    words:
      "Drone's exec runner kills only the step's own process (SIGKILL on cancel or timeout), never its group or what it left behind; the docker runner's end of the container is the container-stop row",
  },
];

/** Runners whose cleanup of leftovers could not be derived from a public source: honestly undecided. */
const OPAQUE_RUNNERS: readonly { markers: readonly string[]; words: string }[] = [
  {
    markers: ['TEAMCITY_VERSION'],
    words:
      "TeamCity's build agent is closed source: its stop-build kills the build's process tree, but whether a normal finish reaps leftovers, and how they escape, is not documented, so whether this build's end reaps it cannot be told from /proc",
  },
];

const live = (e: RiskEvidence, name: string): boolean => (e.ci?.reapingMarkers ?? []).includes(name);
const escaped = (e: RiskEvidence): string[] => e.ci?.escaped ?? [];
const carries = (e: RiskEvidence, names: readonly string[]): boolean =>
  (e.ci?.markers ?? []).some((m) => names.includes(m));
const killNote = (e: RiskEvidence, k: EnvReaper['killer']): string =>
  k === 'sigkill' ? '' : termThenKillNote(e, k.termThenKill);

const envRule = (r: EnvReaper): SurvivalRule => ({
  code: r.code,
  event: 'ci-cleanup',
  outcome: 'dies',
  confidence: 'certain',
  meaning: r.meaning,
  when: (e) => {
    const names = r.names.filter((n) => live(e, n));
    if (names.length === 0) return null;
    return `its environment carries ${names.join(' and ')} (${r.set}): ${r.kills}${killNote(e, r.killer)}`;
  },
});

const offRule = (r: EnvReaper): SurvivalRule[] => {
  const off = r.off;
  if (!off) return [];
  return [
    {
      code: off.code,
      event: 'ci-cleanup',
      outcome: 'survives',
      confidence: 'likely',
      meaning: off.meaning,
      when: (e) => (carries(e, off.markers) && !carries(e, r.names) ? off.words : null),
    },
  ];
};

const groupRule = (r: GroupReaper): SurvivalRule => ({
  code: `${r.id}-job-group`,
  event: 'ci-cleanup',
  outcome: 'dies',
  confidence: r.confidence,
  meaning: r.meaning,
  when: (e) =>
    carries(e, r.markers) && e.group && !e.group.groupLeader
      ? `it carries ${r.who} and is still in process group ${e.group.pgid}: ${r.does}${killNote(e, r.killer)}`
      : null,
});

const detachedRule = (r: GroupReaper): SurvivalRule => ({
  code: `${r.id}-detached`,
  event: 'ci-cleanup',
  outcome: 'survives',
  confidence: 'likely',
  meaning: `It carries ${r.who} but leads its own process group: the runner's kill of the job's group does not reach it.`,
  when: (e) =>
    carries(e, r.markers) && e.group?.groupLeader
      ? `it carries ${r.who} but leads its own process group ${e.group.pgid}: the runner's kill of the job's process group does not reach it`
      : null,
});

const groupMarkers = GROUP_REAPERS.flatMap((r) => r.markers);

export const ciCleanupRules: SurvivalRule[] = [
  ...ENV_REAPERS.map(envRule),
  ...GROUP_REAPERS.map(groupRule),
  {
    code: 'ci.escaped',
    event: 'ci-cleanup',
    outcome: 'survives',
    confidence: 'certain',
    meaning:
      "Its CI markers are set to the runner's escape (an empty RUNNER_TRACKING_ID or VSTS_PROCESS_LOOKUP_ID, dontKillMe): the cleanup does not match it.",
    when: (e) =>
      escaped(e).length > 0
        ? `its CI markers are set to the escape (${escaped(e).join(', ')}): the runner's cleanup matches processes by the job's own value, so it passes over this one${carries(e, groupMarkers) ? ' (and it leads its own process group)' : ''}`
        : null,
  },
  ...GROUP_REAPERS.map(detachedRule),
  {
    code: 'ci.step-process-only',
    event: 'ci-cleanup',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      "It carries the markers of a runner that kills only a step's own process at its end (Drone's exec runner): leftovers are not reaped.",
    when: (e) => {
      const o = OWN_PROCESS_RUNNERS.find((r) => carries(e, r.markers));
      return o ? `it carries ${o.markers.join(', ')}: ${o.words}` : null;
    },
  },
  ...ENV_REAPERS.flatMap(offRule),
  {
    code: 'ci.runner-undocumented',
    event: 'ci-cleanup',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      "It carries the markers of a CI runner whose cleanup of leftovers is not public (TeamCity): whether the job's end reaps it is unknown.",
    when: (e) => {
      const o = OPAQUE_RUNNERS.find((r) => carries(e, r.markers));
      return o ? `it carries ${o.markers.join(', ')}: ${o.words}` : null;
    },
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
      'no CI markers (RUNNER_TRACKING_ID, BUILD_ID, JENKINS_NODE_COOKIE, VSTS_PROCESS_LOOKUP_ID, GITLAB_CI, BUILDKITE, ...) in its environment and no CI runner ancestor',
  },
];
