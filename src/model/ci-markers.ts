/**
 * Launch knowledge: the environment markers CI runners find and reap leftover processes by, and the
 * value that makes each runner pass a process over. The one list: the ci-environment section, the
 * remedy, the tests' environment isolation and the fixture scripts all read it (the shell scripts and
 * the jest setup read the built file, dist/src/model/ci-markers.js).
 */
export const CI_MARKERS = [
  'RUNNER_TRACKING_ID',
  'GITHUB_ACTIONS',
  'BUILD_ID',
  'JENKINS_NODE_COOKIE',
  'JENKINS_URL',
  'GITLAB_CI',
  'CI_JOB_ID',
  // Azure Pipelines agent (src/Agent.Worker/JobExtension.cs; TF_BUILD set by Agent.Sdk ProcessInvoker).
  'VSTS_PROCESS_LOOKUP_ID',
  'TF_BUILD',
  // Buildkite agent (every job's environment: BUILDKITE=true, BUILDKITE_JOB_ID).
  'BUILDKITE',
  'BUILDKITE_JOB_ID',
  // Woodpecker (pipeline/frontend/metadata/environment.go; also in its Drone-compatible local backend).
  'CI_WORKFLOW_NAME',
  // Drone runners (drone/runner-go environ/environ.go System: DRONE=true, CI=true).
  'DRONE',
  // TeamCity build agent (TEAMCITY_VERSION in every build step's environment).
  'TEAMCITY_VERSION',
  'CI',
] as const;

/**
 * Markers added after bundles were first captured: a bundle from before them never asked, so it is asked
 * without them (replayed as it was at capture, where these runners were not known).
 */
export const CI_MARKERS_ADDED_LATER: readonly string[] = [
  'VSTS_PROCESS_LOOKUP_ID',
  'TF_BUILD',
  'BUILDKITE',
  'BUILDKITE_JOB_ID',
  'CI_WORKFLOW_NAME',
  'DRONE',
  'TEAMCITY_VERSION',
];

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

export const CI_SYSTEM_OF: Readonly<Record<string, CiSystem>> = {
  RUNNER_TRACKING_ID: 'github-actions',
  GITHUB_ACTIONS: 'github-actions',
  BUILD_ID: 'jenkins',
  JENKINS_NODE_COOKIE: 'jenkins',
  JENKINS_URL: 'jenkins',
  GITLAB_CI: 'gitlab',
  CI_JOB_ID: 'gitlab',
  VSTS_PROCESS_LOOKUP_ID: 'azure-pipelines',
  TF_BUILD: 'azure-pipelines',
  BUILDKITE: 'buildkite',
  BUILDKITE_JOB_ID: 'buildkite',
  CI_WORKFLOW_NAME: 'woodpecker',
  DRONE: 'drone',
  TEAMCITY_VERSION: 'teamcity',
  CI: 'generic',
};

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
