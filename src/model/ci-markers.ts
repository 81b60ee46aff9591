/**
 * Launch knowledge: the environment markers CI runners find and reap leftover processes by, and the
 * value that makes each runner pass a process over. The one list: the ci-environment section, the
 * remedy, the tests' environment isolation and the fixture scripts all read it (the shell scripts and
 * the jest setup read the built file, dist/src/model/ci-markers.js).
 */
export type CiSystem =
  | 'github-actions'
  | 'jenkins'
  | 'gitlab'
  | 'azure-pipelines'
  | 'buildkite'
  | 'woodpecker'
  | 'drone'
  | 'teamcity'
  | 'generic';

/**
 * Every marker once, in the order the environment is asked: the system it names, and `later` for those added
 * after bundles were first captured (a bundle from before them never asked, so it is replayed without them).
 */
const MARKERS: ReadonlyArray<{ name: string; system: CiSystem; later?: true }> = [
  { name: 'RUNNER_TRACKING_ID', system: 'github-actions' },
  { name: 'GITHUB_ACTIONS', system: 'github-actions' },
  { name: 'BUILD_ID', system: 'jenkins' },
  { name: 'JENKINS_NODE_COOKIE', system: 'jenkins' },
  { name: 'JENKINS_URL', system: 'jenkins' },
  { name: 'GITLAB_CI', system: 'gitlab' },
  { name: 'CI_JOB_ID', system: 'gitlab' },
  // Azure Pipelines agent (src/Agent.Worker/JobExtension.cs; TF_BUILD set by Agent.Sdk ProcessInvoker).
  { name: 'VSTS_PROCESS_LOOKUP_ID', system: 'azure-pipelines', later: true },
  { name: 'TF_BUILD', system: 'azure-pipelines', later: true },
  // Buildkite agent (every job's environment: BUILDKITE=true, BUILDKITE_JOB_ID).
  { name: 'BUILDKITE', system: 'buildkite', later: true },
  { name: 'BUILDKITE_JOB_ID', system: 'buildkite', later: true },
  // Woodpecker (pipeline/frontend/metadata/environment.go; also in its Drone-compatible local backend).
  { name: 'CI_WORKFLOW_NAME', system: 'woodpecker', later: true },
  // Drone runners (drone/runner-go environ/environ.go System: DRONE=true, CI=true).
  { name: 'DRONE', system: 'drone', later: true },
  // TeamCity build agent (TEAMCITY_VERSION in every build step's environment).
  { name: 'TEAMCITY_VERSION', system: 'teamcity', later: true },
  { name: 'CI', system: 'generic' },
];

export const CI_MARKERS: readonly string[] = MARKERS.map((m) => m.name);

/** Markers added after bundles were first captured: a bundle from before them is asked without them. */
export const CI_MARKERS_ADDED_LATER: readonly string[] = MARKERS.filter((m) => m.later).map((m) => m.name);

/** How a report names each system. */
export const CI_SYSTEM_LABEL: Readonly<Record<CiSystem, string>> = {
  'github-actions': 'GitHub Actions',
  jenkins: 'Jenkins',
  gitlab: 'GitLab CI',
  'azure-pipelines': 'Azure Pipelines',
  buildkite: 'Buildkite',
  woodpecker: 'Woodpecker',
  drone: 'Drone',
  teamcity: 'TeamCity',
  generic: 'generic CI',
};

export const CI_SYSTEM_OF: Readonly<Record<string, CiSystem>> = Object.fromEntries(
  MARKERS.map((m) => [m.name, m.system]),
);

/**
 * GitHub's runner kills processes whose RUNNER_TRACKING_ID equals the job's; Jenkins' ProcessTreeKiller
 * matches the build's BUILD_ID / JENKINS_NODE_COOKIE; the Azure Pipelines agent matches the job's
 * VSTS_PROCESS_LOOKUP_ID (string equality, JobExtension.cs FinalizeJob). Each has an escape value: asking
 * the source for `NAME=VALUE` tells whether the variable holds exactly that, without reading any value.
 */
export const CI_ESCAPES: Readonly<Record<string, string>> = {
  RUNNER_TRACKING_ID: 'RUNNER_TRACKING_ID=',
  BUILD_ID: 'BUILD_ID=dontKillMe',
  JENKINS_NODE_COOKIE: 'JENKINS_NODE_COOKIE=dontKillMe',
  VSTS_PROCESS_LOOKUP_ID: 'VSTS_PROCESS_LOOKUP_ID=',
};

/**
 * The environment prefix a relaunch under each system carries so that system's environment scan passes
 * over it. Systems that reap by process group (GitLab, Buildkite, Woodpecker) need none: the relaunch's
 * own session escapes them.
 */
export const CI_RELAUNCH_ESCAPES: Readonly<Partial<Record<CiSystem, readonly string[]>>> = {
  'github-actions': [CI_ESCAPES.RUNNER_TRACKING_ID],
  jenkins: [CI_ESCAPES.JENKINS_NODE_COOKIE, CI_ESCAPES.BUILD_ID],
  'azure-pipelines': [CI_ESCAPES.VSTS_PROCESS_LOOKUP_ID],
};
