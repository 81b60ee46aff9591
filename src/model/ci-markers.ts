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
  'CI',
] as const;

export type CiSystem = 'github-actions' | 'jenkins' | 'gitlab' | 'generic';

export const CI_SYSTEM_OF: Readonly<Record<string, CiSystem>> = {
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
export const CI_ESCAPES: Readonly<Record<string, string>> = {
  RUNNER_TRACKING_ID: 'RUNNER_TRACKING_ID=',
  BUILD_ID: 'BUILD_ID=dontKillMe',
  JENKINS_NODE_COOKIE: 'JENKINS_NODE_COOKIE=dontKillMe',
};
