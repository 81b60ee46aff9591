/**
 * Seed 000 and CI for real: `nohup cmd &` inside a `bash -c` step run by an automation tool, the tool
 * (or a CI runner) then ending the step the way each really does — killing the step's process group,
 * or reaping by environment marker. Each first remedy is run by a new step and the cleanup repeated.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { procStat } from '../helpers/processes';
import { killGroup, startRunner, type RunnerOptions } from './harness/runner';
import { agentJobSnapshot, githubActionsReap, gitlabShellReap, jenkinsReap, trackingId } from './harness/ci-reapers';
import { remedySurvives } from './harness/remedy-rerun';
import { realitySuite, notRoot } from './harness/suite';
import {
  diagnose,
  expectReality,
  expectRule,
  mechanismOf,
  outcomeOf,
  relaunched,
  startWatch,
  uniqueSleep,
} from './predict';

const { unless } = realitySuite('runners-ci');

/** Start a step and return the pid of the process it left behind (found by its exact argv). */
async function leftBehind(
  script: string,
  argv: string[],
  opts: RunnerOptions = {},
): Promise<{ pid: number; pgid: number }> {
  const runner = await startRunner(script, opts);
  const pid = await relaunched(argv, []);
  return { pid, pgid: runner.pgid };
}

const watchable = unless(notRoot());

describe('an automation tool running `bash -c` steps', () => {
  watchable(
    'the seed: `nohup cmd &` in a step that exits; the tool kills the step group at its end and it dies',
    async () => {
      const n = uniqueSleep();
      const { pid, pgid } = await leftBehind(`nohup sleep ${n} >/dev/null 2>&1 &`, ['sleep', n]);
      const { waitFor, isAlive } = await import('../helpers/processes');
      await waitFor(() => !isAlive(pgid)); // the step's shell is gone: only the leftover holds the group
      const r = diagnose(pid);
      const grp = expectRule(r, 'group-kill', 'group.leader-gone');
      expectRule(r, 'terminal-hangup', 'hangup.no-tty');
      expectRule(r, 'parent-exit', 'parent.reparented');
      expectRule(r, 'ci-cleanup', 'ci.none');
      expect(r.verdict.status).toBe('at-risk');
      expect(r.remedy[0]).toMatch(/setsid -f sleep /);
      const w = await startWatch(pid);
      await killGroup(pgid);
      const died = await outcomeOf(pid, grp);
      expect(died).toBe(true);
      expectReality(grp, died);
      expect(mechanismOf(await w.result)).toBe('group-kill');
      const after = await remedySurvives(r, ['sleep', n], pid, 'group-kill', {}, (g) => killGroup(g));
      expectRule(after, 'group-kill', 'group.own-group');
      expect(after.verdict.status).toBe('ok');
    },
  );

  test('a step that waits: it shares the group with the live runner shell; the shell exiting alone leaves it', async () => {
    const n = uniqueSleep();
    const { pid, pgid } = await leftBehind(`sleep ${n} >/dev/null 2>&1 & wait`, ['sleep', n]);
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', 'group.shares-with-runner');
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    // The parent exits on its own (SIGKILL to that one process, not the group): nothing follows.
    process.kill(pgid, 'SIGKILL');
    expectReality(pe, await outcomeOf(pid, pe));
    await killGroup(pgid);
    expectReality(grp, await outcomeOf(pid, grp));
  });

  test('a step whose shell execs its last command: the leftover is a member of a group led by another program', async () => {
    const n = uniqueSleep();
    const { pid, pgid } = await leftBehind(`sleep ${n} & exec sleep ${uniqueSleep()}`, ['sleep', n]);
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', 'group.member');
    await killGroup(pgid);
    expectReality(grp, await outcomeOf(pid, grp));
  });

  test('its log file deleted under it: still a leftover of the step, and the relaunch writes to a log that exists', async () => {
    const n = uniqueSleep();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-dellog-'));
    const log = path.join(dir, 'server.log');
    // Remove the log once the job has it open (a poll on its fd, not a fixed delay).
    const { pid, pgid } = await leftBehind(
      `nohup sleep ${n} >${log} 2>&1 & until [ "$(readlink /proc/$!/fd/1)" = ${log} ]; do sleep 0.01; done; rm ${log}`,
      ['sleep', n],
    );
    const r = diagnose(pid);
    expect(r.checks.find((c) => c.id === 'stdio')?.code).toBe('deleted-file');
    const grp = expectRule(r, 'group-kill', 'group.leader-gone');
    expect(r.remedy[0]).not.toContain(log);
    await killGroup(pgid);
    expectReality(grp, await outcomeOf(pid, grp));
    await remedySurvives(r, ['sleep', n], pid, 'group-kill', {}, (g) => killGroup(g));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('`exec -a` renamed it: the remedy runs the real executable, and that survives the group kill', async () => {
    const n = uniqueSleep();
    const { pid, pgid } = await leftBehind(`(exec -a 'my worker' sleep ${n}) & wait`, ['my worker', n]);
    const r = diagnose(pid);
    expectRule(r, 'group-kill', 'group.shares-with-runner');
    expect(r.remedy[0]).toMatch(/setsid -f \/(usr\/)?bin\/sleep /);
    await killGroup(pgid);
    const exe = r.process?.exe ?? '';
    await remedySurvives(r, [exe, n], pid, 'group-kill', {}, (g) => killGroup(g));
  });
});

describe('CI runners cleaning up at job end', () => {
  test('GitHub Actions: RUNNER_TRACKING_ID is reaped even in its own session; the empty-id escape survives', async () => {
    const snapshot = agentJobSnapshot();
    const id = trackingId();
    const env = { RUNNER_TRACKING_ID: id, GITHUB_ACTIONS: 'true' };
    const n = uniqueSleep();
    const { pid } = await leftBehind(`setsid -f sleep ${n} </dev/null >/dev/null 2>&1`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.github-tracking-id');
    expectRule(r, 'group-kill', 'group.own-group');
    expect(JSON.stringify(r)).not.toContain(id);
    expect(r.remedy[0]).toMatch(/^(cd \S+ && )?RUNNER_TRACKING_ID= setsid -f sleep /);
    const w = await startWatch(pid);
    await githubActionsReap(id, snapshot);
    expectReality(ci, await outcomeOf(pid, ci));
    expect(mechanismOf(await w.result)).toBe('kill');
    const after = await remedySurvives(r, ['sleep', n], pid, 'ci-cleanup', { env }, () =>
      githubActionsReap(id, snapshot),
    );
    expectRule(after, 'ci-cleanup', 'ci.escaped');
    expect(after.remedy).toEqual([]);
  });

  test('Jenkins: BUILD_ID / JENKINS_NODE_COOKIE are reaped; dontKillMe survives', async () => {
    const cookie = trackingId('jenkins');
    const env = { BUILD_ID: cookie, JENKINS_NODE_COOKIE: cookie, JENKINS_URL: 'http://127.0.0.1:1/' };
    const n = uniqueSleep();
    const { pid } = await leftBehind(`setsid -f sleep ${n} </dev/null >/dev/null 2>&1`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.jenkins-cookie');
    expect(JSON.stringify(r)).not.toContain(cookie);
    await jenkinsReap(cookie);
    expectReality(ci, await outcomeOf(pid, ci));
    const after = await remedySurvives(r, ['sleep', n], pid, 'ci-cleanup', { env }, () => jenkinsReap(cookie));
    expectRule(after, 'ci-cleanup', 'ci.escaped');
  });

  test('GitLab shell executor: the job script group is killed; a new session escapes it', async () => {
    const env = { GITLAB_CI: 'true', CI_JOB_ID: '4242', CI: 'true' };
    const n = uniqueSleep();
    const { pid, pgid } = await leftBehind(`nohup sleep ${n} >/dev/null 2>&1 & wait`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.gitlab-job-group');
    await gitlabShellReap(pgid);
    expectReality(ci, await outcomeOf(pid, ci));
    const after = await remedySurvives(r, ['sleep', n], pid, 'ci-cleanup', { env }, (g) => gitlabShellReap(g));
    expectRule(after, 'ci-cleanup', 'ci.gitlab-detached');
  });

  test('only the generic CI=true: undecided, and it says why', async () => {
    const env = { CI: 'true' };
    const n = uniqueSleep();
    const { pid } = await leftBehind(`setsid -f sleep ${n} </dev/null >/dev/null 2>&1`, ['sleep', n], { env });
    const r = diagnose(pid);
    const ci = expectRule(r, 'ci-cleanup', 'ci.generic');
    // Every runner's own mechanism, run with this job's values: none of them matches it.
    await githubActionsReap(trackingId());
    await jenkinsReap(trackingId('jenkins'));
    const died = await outcomeOf(pid, ci);
    expect(died).toBe(false);
    expectReality(ci, died);
    expect(procStat(pid)).not.toBeNull();
  });
});
