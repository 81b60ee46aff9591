/**
 * CI agents beyond the three the project started with, each ending a job the way its own source does
 * (test/reality/harness/ci-reapers.ts cites file and function): the Azure Pipelines agent's lookup-id
 * scan (SIGKILL), the Buildkite agent's cancel (SIGTERM, grace, SIGKILL to the command's group), Woodpecker's
 * local backend (SIGKILL to every step's group at its end). Each leftover is diagnosed, the cleanup done
 * for real, the prediction held to the outcome; the first remedy is run by a new step with the same
 * environment and the cleanup repeated. TeamCity's agent is closed source: whydied must say it cannot tell.
 */
import { allPids, isAlive, procStat, waitFor } from '../helpers/processes';
import { startRunner, type RunnerOptions } from './harness/runner';
import {
  agentJobSnapshot,
  azurePipelinesReap,
  buildkiteCancelReap,
  droneExecCancel,
  githubActionsReap,
  jenkinsReap,
  trackingId,
  woodpeckerStepReap,
} from './harness/ci-reapers';
import { remedySurvives } from './harness/remedy-rerun';
import { realitySuite } from './harness/suite';
import { launch } from './harness/tools';
import { diagnose, expectReality, expectRule, outcomeOf, relaunched, uniqueSleep } from './predict';

const { need } = realitySuite('runners-ci-agents');

/** Start a step and return the pid of the process it left behind (found by its exact argv). */
async function leftBehind(script: string, argv: string[], opts: RunnerOptions = {}) {
  const runner = await startRunner(script, opts);
  const pid = await relaunched(argv, []);
  return { pid, pgid: runner.pgid, shellPid: runner.shellPid };
}

describe('CI agents cleaning up at job end, as their sources do', () => {
  test('Azure Pipelines: VSTS_PROCESS_LOOKUP_ID is SIGKILLed even in its own session; the empty id escapes', async () => {
    const snapshot = agentJobSnapshot();
    const id = `vsts_${trackingId()}`;
    const env = { VSTS_PROCESS_LOOKUP_ID: id, TF_BUILD: 'True', CI: 'true' };
    const n = uniqueSleep();
    const { pid } = await leftBehind(`setsid -f sleep ${n} </dev/null >/dev/null 2>&1`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.azure-lookup-id');
    expectRule(r, 'group-kill', 'group.own-group');
    expect(ci.confidence).toBe('certain');
    expect(JSON.stringify(r)).not.toContain(id);
    expect(r.remedy[0]).toMatch(/^(cd \S+ && )?VSTS_PROCESS_LOOKUP_ID= setsid -f sleep /);
    const victims = await azurePipelinesReap(id, snapshot);
    expect(victims).toContain(pid);
    expectReality(ci, await outcomeOf(pid, ci));
    const after = await remedySurvives(r, ['sleep', n], pid, 'ci-cleanup', { env }, () =>
      azurePipelinesReap(id, snapshot),
    );
    expectRule(after, 'ci-cleanup', 'ci.escaped');
    expect(after.remedy).toEqual([]);
  });

  test('Azure Pipelines with process.clean false: TF_BUILD but no lookup id, nothing matches it', async () => {
    const snapshot = agentJobSnapshot();
    const env = { TF_BUILD: 'True', CI: 'true' };
    const n = uniqueSleep();
    const { pid } = await leftBehind(`setsid -f sleep ${n} </dev/null >/dev/null 2>&1`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.azure-no-lookup');
    // The agent's scan with a job's id (what FinalizeJob would run were process.clean on) passes it over.
    await azurePipelinesReap(`vsts_${trackingId()}`, snapshot);
    expectReality(ci, await outcomeOf(pid, ci));
  });

  test('GitHub Actions with process.clean false: GITHUB_ACTIONS but no tracking id, nothing matches it', async () => {
    const snapshot = agentJobSnapshot();
    const env = { GITHUB_ACTIONS: 'true', CI: 'true' };
    const n = uniqueSleep();
    const { pid } = await leftBehind(`setsid -f sleep ${n} </dev/null >/dev/null 2>&1`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.github-no-tracking-id');
    await githubActionsReap(trackingId(), snapshot);
    expectReality(ci, await outcomeOf(pid, ci));
  });

  test('Jenkins without a cookie: JENKINS_URL but no BUILD_ID / JENKINS_NODE_COOKIE, ProcessTreeKiller passes it over', async () => {
    const env = { JENKINS_URL: 'http://127.0.0.1:1/', CI: 'true' };
    const n = uniqueSleep();
    const { pid } = await leftBehind(`setsid -f sleep ${n} </dev/null >/dev/null 2>&1`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.jenkins-no-cookie');
    await jenkinsReap(trackingId('jenkins'));
    expectReality(ci, await outcomeOf(pid, ci));
  });

  test("Buildkite: cancelling the job signals the command's group; a setsid relaunch leads its own and survives", async () => {
    const env = { BUILDKITE: 'true', BUILDKITE_JOB_ID: trackingId('bk'), CI: 'true' };
    const n = uniqueSleep();
    // The command in a session of its own, as the agent's default PTY mode starts it (Setsid); still running.
    const opts: RunnerOptions = { env, group: 'setsid' };
    const { pid, pgid } = await leftBehind(`nohup sleep ${n} >/dev/null 2>&1 & wait`, ['sleep', n], opts);
    expect(procStat(pid)?.pgid).toBe(pgid);
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.buildkite-job-group');
    const victims = await buildkiteCancelReap(pgid);
    expect(victims).toContain(pid);
    expectReality(ci, await outcomeOf(pid, ci));
    const after = await remedySurvives(r, ['sleep', n], pid, 'ci-cleanup', opts, (g) => buildkiteCancelReap(g));
    expectRule(after, 'ci-cleanup', 'ci.buildkite-detached');
  });

  need('script')(
    'Buildkite in its default PTY mode: the command leads a session on a pty; cancelling signals that group',
    async () => {
      const env = { BUILDKITE: 'true', BUILDKITE_JOB_ID: trackingId('bk'), CI: 'true' };
      // script(1) stands in for the agent's PTY helper: the command (sh -c) gets setsid + a controlling pty.
      const step = (cmd: string) => ['script', '-qfec', cmd, '/dev/null'];
      const n = uniqueSleep();
      const first = await launch(step(`nohup sleep ${n} >/dev/null 2>&1 & wait`), ['sleep', n], { env });
      const st = procStat(first.pid);
      expect(st?.pgid).toBe(st?.sid); // the command's group is its session's (Setsid)
      expect(st?.ttyNr).not.toBe(0);
      const r = diagnose(first.pid);
      const ci = expectRule(r, 'ci-cleanup', 'ci.buildkite-job-group');
      await buildkiteCancelReap(st?.pgid ?? 0);
      expectReality(ci, await outcomeOf(first.pid, ci));
      const cmd = r.remedy[0];
      if (!cmd) throw new Error(`no remedy offered: ${r.verdict.summary}`);
      const again = await launch(step(`${cmd}; sleep 30`), ['sleep', n], { env });
      const after = diagnose(again.pid);
      const row = expectRule(after, 'ci-cleanup', 'ci.buildkite-detached');
      // The second command's group: script's child, the session leader of the pty.
      const cmdPid = allPids().find((p) => procStat(p)?.ppid === again.rootPid) ?? 0;
      expect(procStat(cmdPid)?.pgid).toBe(cmdPid);
      await buildkiteCancelReap(cmdPid);
      expectReality(row, await outcomeOf(again.pid, row));
    },
  );

  test("Woodpecker local backend: the step's group is SIGKILLed when the step ends, even a successful one", async () => {
    const env = { CI: 'woodpecker', CI_WORKFLOW_NAME: 'build', CI_STEP_NAME: 'serve' };
    const n = uniqueSleep();
    const { pid, pgid, shellPid } = await leftBehind(`nohup sleep ${n} >/dev/null 2>&1 &`, ['sleep', n], { env });
    await waitFor(() => !isAlive(shellPid)); // the step has ended (exit 0); DestroyStep follows
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.woodpecker-job-group');
    const victims = await woodpeckerStepReap(pgid);
    expect(victims).toContain(pid);
    expectReality(ci, await outcomeOf(pid, ci));
    const after = await remedySurvives(r, ['sleep', n], pid, 'ci-cleanup', { env }, (g) => woodpeckerStepReap(g));
    expectRule(after, 'ci-cleanup', 'ci.woodpecker-detached');
  });

  test("Drone exec runner: cancelling the step kills the step's own process only; the leftover stays", async () => {
    const env = { DRONE: 'true', CI: 'true', DRONE_BUILD_NUMBER: '7' };
    const n = uniqueSleep();
    const { pid, shellPid } = await leftBehind(`nohup sleep ${n} >/dev/null 2>&1 & wait`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.step-process-only');
    const check = r.checks.find((c) => c.id === 'ci-environment');
    expect(check?.code).toBe('runner-markers');
    expect(check?.summary).toMatch(/^Drone job: /);
    await droneExecCancel(shellPid);
    expectReality(ci, await outcomeOf(pid, ci));
  });

  test('TeamCity: the agent is closed source, so the row is undecided and says what cannot be told', async () => {
    const env = { TEAMCITY_VERSION: '2025.07 (build 197242)' };
    const n = uniqueSleep();
    const { pid } = await leftBehind(`setsid -f sleep ${n} </dev/null >/dev/null 2>&1`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.runner-undocumented');
    expect(ci.outcome).toBe('unknown');
    expect(ci.reason).toContain('TEAMCITY_VERSION');
    // No public mechanism to re-enact; the known environment scans do not take it.
    await githubActionsReap(trackingId());
    await jenkinsReap(trackingId('jenkins'));
    expectReality(ci, await outcomeOf(pid, ci));
  });
});
