/**
 * The end-of-job cleanup of each CI system, done for real on this host, to check which processes a job
 * leaves behind. These are TEST reapers: they read environment values in /proc/PID/environ (whydied itself
 * never does). Each sends SIGTERM, waits up to `graceMs` for the victims to go, then SIGKILL, and returns
 * the pids it selected. Values must be unique per test (see trackingId()), so no reaper can touch a process
 * that the test did not start (the machine running the tests may itself be a CI job with real values).
 *
 * - GitHub Actions (actions/runner src/Runner.Worker/JobExtension.cs, forked from the Azure agent below):
 *   InitializeJob sets RUNNER_TRACKING_ID=<job's id> in the worker's own environment (so every step inherits
 *   it) unless the pipeline variable process.clean is false, and snapshots the running processes as
 *   "pid_name"; FinalizeJob calls Process.Kill() (SIGKILL, no SIGTERM) on every process not in the snapshot
 *   whose RUNNER_TRACKING_ID equals the job's id (OrdinalIgnoreCase). Relaunching with an empty or different
 *   value escapes: `RUNNER_TRACKING_ID= cmd` (maintainer's advice in github.com/actions/runner/issues/598).
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
 * - Azure Pipelines agent (microsoft/azure-pipelines-agent, src/Agent.Worker/JobExtension.cs):
 *     InitializeJob   unless the pipeline variable process.clean is false, sets VSTS_PROCESS_LOOKUP_ID=
 *                     vsts_<guid> for every step and snapshots the running processes as "pid_name";
 *     FinalizeJob     for every process NOT in that snapshot, reads VSTS_PROCESS_LOOKUP_ID from its
 *                     environment (ProcessExtensions.GetEnvironmentVariableLinux: /proc/PID/environ) and, if
 *                     it equals the job's id (OrdinalIgnoreCase), calls Process.Kill(): SIGKILL, no SIGTERM.
 *   Any other value (an empty one) escapes; process.clean=false turns the whole scan off.
 * - Buildkite agent (buildkite/agent internal/process/process.go, signal_notwindows.go): every command it
 *   runs (the job executor, and each hook/command the executor runs through internal/shell) starts in a group
 *   of its own (Setpgid; in a PTY, the default, Setsid). On cancel or timeout, onContextCancel: Interrupt =
 *   Kill(-pgid, cancel-signal, SIGTERM by default), wait cancel-signal-timeout, Terminate = Kill(-pgid,
 *   SIGKILL). A job that ends on its own signals nothing. So a `cmd &` leftover dies on cancel; setsid escapes.
 * - Woodpecker, local backend (woodpecker-ci/woodpecker pipeline/backend/local): cmd_unix.go newCmd starts each
 *   step with Setpgid and Cancel = Kill(-pid, SIGKILL); local.go DestroyStep calls Cancel after EVERY step
 *   (success or not), DestroyWorkflow again for any left. So every step's group is SIGKILLed at its end.
 * - Drone exec runner (drone-runners/drone-runner-exec engine/exec.go Run): exec.CommandContext without
 *   SysProcAttr; on cancel or timeout cmd.Process.Kill(): SIGKILL to the step's own process, nothing else.
 */
import * as fs from 'fs';
import { randomBytes } from 'crypto';
import { allPids, isAlive, waitFor, waitGone } from '../../helpers/processes';
import { killGroup } from './runner';

export interface ReapOptions {
  /** How long victims get between SIGTERM and SIGKILL (default 1000 ms). */
  graceMs?: number;
  /** false: SIGKILL at once, no SIGTERM (Azure's Process.Kill, Woodpecker's Cancel). Default true. */
  term?: boolean;
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
  considered: (pid: number) => boolean = () => true,
): Promise<number[]> {
  const victims = allPids().filter((pid) => {
    if (pid === process.pid || !isAlive(pid) || !considered(pid)) return false;
    const env = environOf(pid);
    return env !== null && select(env);
  });
  if (opts.term !== false) {
    for (const pid of victims) signal(pid, 'SIGTERM');
    await waitFor(() => victims.every((p) => !isAlive(p)), opts.graceMs ?? 1000);
  }
  const left = victims.filter(isAlive);
  for (const pid of left) signal(pid, 'SIGKILL');
  if (!(await waitGone(left, 5000)))
    throw new Error(`reaper victims survived SIGKILL: ${left.filter(isAlive).join(' ')}`);
  return victims;
}

/**
 * The .NET agents' FinalizeJob (GitHub's runner, Azure Pipelines): SIGKILL (Process.Kill) every process not
 * in `snapshot` (pid_name taken at InitializeJob; none given: every process) whose `variable` equals `id`,
 * case-insensitively.
 */
function dotnetAgentReap(variable: string, id: string, snapshot?: ReadonlySet<string>): Promise<number[]> {
  if (!id) throw new Error('an empty job id would select the escapes');
  const want = id.toLowerCase();
  return reapByEnvironment(
    (env) => env.get(variable)?.toLowerCase() === want,
    { term: false },
    (pid) => !snapshot?.has(pidName(pid) ?? ''),
  );
}

/** GitHub Actions job end: SIGKILL every process started since `snapshot` whose RUNNER_TRACKING_ID is the job's. */
export function githubActionsReap(trackingIdValue: string, snapshot?: ReadonlySet<string>): Promise<number[]> {
  return dotnetAgentReap('RUNNER_TRACKING_ID', trackingIdValue, snapshot);
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

/** Azure's snapshot key of a running process: pid and name (JobExtension.cs: `${pid}_${ProcessName}`). */
function pidName(pid: number): string | null {
  try {
    return `${pid}_${fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}`;
  } catch {
    return null;
  }
}

/** The .NET agents' InitializeJob: the processes running before the job (FinalizeJob skips them). */
export function agentJobSnapshot(): Set<string> {
  return new Set(allPids().flatMap((p) => pidName(p) ?? []));
}

/** Azure Pipelines job end: SIGKILL every process started since `snapshot` whose VSTS_PROCESS_LOOKUP_ID is the job's. */
export function azurePipelinesReap(lookupId: string, snapshot: ReadonlySet<string>): Promise<number[]> {
  return dotnetAgentReap('VSTS_PROCESS_LOOKUP_ID', lookupId, snapshot);
}

/**
 * Buildkite agent cancelling a job (or its timeout): the cancel signal (SIGTERM) to the command's group,
 * cancel-signal-timeout, SIGKILL to the group. Returns the group's members it found.
 */
export async function buildkiteCancelReap(commandPgid: number, opts: ReapOptions = {}): Promise<number[]> {
  const r = await killGroup(commandPgid, { graceMs: opts.graceMs ?? 1000, term: true });
  return [...new Set([...r.termed, ...r.killed])];
}

/** Woodpecker local backend DestroyStep: SIGKILL to the step's group, at the end of every step. */
export async function woodpeckerStepReap(stepPgid: number): Promise<number[]> {
  return (await killGroup(stepPgid, { term: false })).killed;
}

/** Drone exec runner cancelling a step: SIGKILL to the step's own process (not its group). */
export async function droneExecCancel(stepPid: number): Promise<void> {
  signal(stepPid, 'SIGKILL');
  if (!(await waitGone([stepPid], 5000))) throw new Error(`drone step ${stepPid} survived SIGKILL`);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}
