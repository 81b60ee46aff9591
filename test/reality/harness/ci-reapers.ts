/**
 * The end-of-job cleanup of each CI system, done for real on this host, to check which processes a job
 * leaves behind. These are TEST reapers: they read environment values in /proc/PID/environ (whydied itself
 * never does). Each sends SIGTERM, waits up to `graceMs` for the victims to go, then SIGKILL, and returns
 * the pids it selected. Values must be unique per test (see trackingId()), so no reaper can touch a process
 * that the test did not start (the machine running the tests may itself be a CI job with real values).
 *
 * - GitHub Actions: the runner stamps every step with RUNNER_TRACKING_ID=<job's id> and, when the job ends,
 *   kills each process whose environment still carries that id (actions/runner: "process.clean"). Relaunching
 *   with an empty or different value escapes: `RUNNER_TRACKING_ID= cmd` (maintainer's advice in
 *   github.com/actions/runner/issues/598).
 * - Jenkins: ProcessTreeKiller kills the processes whose environment carries the build's cookie
 *   (JENKINS_NODE_COOKIE in pipelines, BUILD_ID in freestyle jobs); `JENKINS_NODE_COOKIE=dontKillMe` /
 *   `BUILD_ID=dontKillMe` escape by changing the value.
 * - GitLab Runner, shell executor: no environment scan at all. What it really does (gitlab-org/gitlab-runner,
 *   read in the gitlabhq/gitlab-runner mirror):
 *     helpers/process/group_unix.go   setProcessGroup: SysProcAttr{Setpgid: true} -> each job script's shell
 *                                     leads a new process group (same session; not setsid);
 *     executors/shell/executor_shell.go Run: on success nothing is killed; only when the job's context is done
 *                                     (cancel, timeout) it calls KillAndWait;
 *     helpers/process/killer.go       KillAndWait: Terminate, wait up to the graceful timeout
 *                                     (GracefulTimeout, 10 min by default), then ForceKill;
 *     helpers/process/killer_unix.go  Terminate = syscall.Kill(-pid, SIGTERM), ForceKill = Kill(-pid, SIGKILL):
 *                                     the script's process GROUP, nothing else.
 *   The legacy path (FF_SHELL_EXECUTOR_USE_LEGACY_PROCESS_KILL, removed in 14.0, gitlab-runner issue 6413) had
 *   `defer helpers.KillProcessGroup(c)`: SIGKILL to the group after every script, success or not.
 *   So a background process survives GitLab's cleanup exactly when it left the script's process group
 *   (setsid, a job-control shell, a daemon that double-forks); CI_JOB_ID etc. in its environment do not matter.
 *   (A leftover that keeps the job's stdout pipe open makes the runner wait for it: the job then ends by
 *   timeout, i.e. by the cancel path above.)
 */
import * as fs from 'fs';
import { randomBytes } from 'crypto';
import { allPids, isAlive, waitFor, waitGone } from '../../helpers/processes';
import { killGroup } from './runner';

export interface ReapOptions {
  /** How long victims get between SIGTERM and SIGKILL (default 1000 ms). */
  graceMs?: number;
}

/** A value unique to this test run for a job marker (tracking id, cookie). */
export function trackingId(prefix = 'whydied-job'): string {
  return `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** A process's environment as captured at its exec, or null when unreadable (gone, kernel thread). */
export function environOf(pid: number): Map<string, string> | null {
  let raw: string;
  try {
    raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return null;
  }
  const env = new Map<string, string>();
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

/** Kill (TERM, grace, KILL) every live process whose environment satisfies `select`; returns them. */
export async function reapByEnvironment(
  select: (env: Map<string, string>) => boolean,
  opts: ReapOptions = {},
): Promise<number[]> {
  const victims = allPids().filter((pid) => {
    if (pid === process.pid || !isAlive(pid)) return false;
    const env = environOf(pid);
    return env !== null && select(env);
  });
  for (const pid of victims) signal(pid, 'SIGTERM');
  await waitFor(() => victims.every((p) => !isAlive(p)), opts.graceMs ?? 1000);
  const left = victims.filter(isAlive);
  for (const pid of left) signal(pid, 'SIGKILL');
  if (!(await waitGone(left, 5000)))
    throw new Error(`reaper victims survived SIGKILL: ${left.filter(isAlive).join(' ')}`);
  return victims;
}

/** GitHub Actions job end: every process whose RUNNER_TRACKING_ID equals the job's id. */
export function githubActionsReap(trackingIdValue: string, opts: ReapOptions = {}): Promise<number[]> {
  if (!trackingIdValue) throw new Error('an empty tracking id would select the escapes');
  return reapByEnvironment((env) => env.get('RUNNER_TRACKING_ID') === trackingIdValue, opts);
}

/** The variables Jenkins' ProcessTreeKiller matches: pipelines (durable-task) and freestyle builds. */
export const JENKINS_COOKIE_VARS = ['JENKINS_NODE_COOKIE', 'BUILD_ID'] as const;

/** Jenkins build end: every process whose JENKINS_NODE_COOKIE or BUILD_ID (or the given vars) equals the cookie. */
export function jenkinsReap(cookie: string, opts: ReapOptions & { vars?: readonly string[] } = {}): Promise<number[]> {
  if (!cookie || cookie === 'dontKillMe') throw new Error('the cookie must be the job value, not an escape');
  const vars = opts.vars ?? JENKINS_COOKIE_VARS;
  return reapByEnvironment((env) => vars.some((v) => env.get(v) === cookie), opts);
}

/**
 * GitLab Runner shell executor ending a job script (cancel/timeout, or every script with the legacy kill):
 * SIGTERM to the script's process group, the graceful timeout, SIGKILL to the group. `legacy` skips the
 * SIGTERM (the legacy path sent SIGKILL straight away). Returns the group's members it found.
 */
export async function gitlabShellReap(
  scriptPgid: number,
  opts: ReapOptions & { legacy?: boolean } = {},
): Promise<number[]> {
  const r = await killGroup(scriptPgid, { graceMs: opts.graceMs ?? 1000, term: !opts.legacy });
  return [...new Set([...r.termed, ...r.killed])];
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}
