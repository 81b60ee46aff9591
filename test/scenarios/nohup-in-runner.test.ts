/**
 * Seed 000: `nohup cmd &` inside a `bash -c` runner in its own session (what CI and agent tools do).
 * SIGHUP is ignored, so a hangup is harmless — but it shares the runner's process group, so the
 * group kill at the end of the job takes it down anyway.
 */
import * as path from 'path';
import { cleanupProcesses, isAlive, readPidFile, startDetached, track } from '../helpers/processes';
import { waitForComm, cleanEnv, diagnosePid, finding, reportFor, risk, tempDir } from './helpers';

afterAll(() => cleanupProcesses());

test('nohup inside setsid bash -c: survives hangup, dies at group kill', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'nohup.pid');
  startDetached('setsid', ['-w', 'bash', '-c', `nohup sleep 1000 >/dev/null 2>&1 & echo $! > '${pidFile}'; wait`], {
    env: cleanEnv(),
  });
  const pid = await readPidFile(pidFile);
  await waitForComm(pid, 'sleep');
  const d = await diagnosePid(pid);
  const runnerPid = track(d.process?.ppid ?? 0);
  expect(isAlive(runnerPid)).toBe(true);

  expect(d.state).toBe('alive');
  expect(finding(d, 'signals').code).toBe('sighup-ignored');
  expect(finding(d, 'process-group').code).toBe('shares-group-with-runner');
  expect(finding(d, 'tty').code).toBe('no-tty');
  expect(risk(d, 'terminal-hangup').outcome).toBe('survives');
  expect(risk(d, 'terminal-hangup').reason).toMatch(/no controlling terminal/);
  expect(risk(d, 'group-kill').outcome).toBe('dies');
  expect(risk(d, 'group-kill').reason).toContain(`bash -c`);
  expect(risk(d, 'group-kill').reason).toContain(`pid ${runnerPid}`);
  expect(risk(d, 'parent-exit').outcome).toBe('survives');
  expect(risk(d, 'session-end').outcome).toBe('survives');
  expect(risk(d, 'ci-cleanup').outcome).toBe('survives');
  expect(d.risks.map((r) => r.event)).toEqual([
    'terminal-hangup',
    'parent-exit',
    'group-kill',
    'session-end',
    'ci-cleanup',
    'container-stop',
    'memory-pressure',
    'resource-limit',
  ]);
  expect(d.verdict.status).toBe('at-risk');
  expect(d.verdict.summary).toMatch(/process group/);
  expect(
    d.remedy.some(({ command: c }) => /^cd .+ && setsid -f sleep 1000 <\/dev\/null >>\/\S+\/sleep\.log 2>&1$/.test(c)),
  ).toBe(true);

  const report = await reportFor(pid);
  expect(report.verdict.status).toBe('at-risk');
  // Same judgement through diagnose(); reasons may differ in live figures (oom rank) between two reads.
  expect(report.risks.map((r) => [r.event, r.outcome])).toEqual(d.risks.map((r) => [r.event, r.outcome]));
});

test('a CI marker in the environment makes ci-cleanup fatal and adds the escape hatch', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'ci.pid');
  startDetached('setsid', ['-w', 'bash', '-c', `nohup sleep 1002 >/dev/null 2>&1 & echo $! > '${pidFile}'; wait`], {
    env: cleanEnv({ RUNNER_TRACKING_ID: 'github_secret_value_123', GITHUB_ACTIONS: 'true' }),
  });
  const pid = await readPidFile(pidFile);
  await waitForComm(pid, 'sleep');
  const d = await diagnosePid(pid);
  track(d.process?.ppid ?? 0);
  const ci = finding(d, 'ci-environment');
  expect(ci.code).toBe('markers');
  expect(ci.evidence.markers).toEqual(['RUNNER_TRACKING_ID', 'GITHUB_ACTIONS']);
  // Names only: the value must never appear anywhere in the diagnosis.
  expect(JSON.stringify(d)).not.toContain('github_secret_value_123');
  expect(risk(d, 'ci-cleanup').outcome).toBe('dies');
  expect(d.remedy.some(({ command: c }) => c.includes('RUNNER_TRACKING_ID= setsid -f sleep 1002'))).toBe(true);
});

test('the literal seed script: bash execs its last command, the group leader is still the launcher', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'seed.pid');
  // bash replaces itself with the final `sleep 1000`: the group leader is then a sleep, not a shell.
  startDetached(
    'setsid',
    ['-w', 'bash', '-c', `nohup sleep 1000 >/dev/null 2>&1 & echo $! > '${pidFile}'; sleep 1000`],
    { env: cleanEnv() },
  );
  const pid = await readPidFile(pidFile);
  await waitForComm(pid, 'sleep');
  const d = await diagnosePid(pid);
  const leader = track(d.process?.pgid ?? 0);
  expect(leader).not.toBe(pid);
  expect(risk(d, 'terminal-hangup').outcome).toBe('survives');
  expect(risk(d, 'group-kill').outcome).toBe('dies');
  expect(risk(d, 'group-kill').reason).toContain(`pid ${leader}`);
  expect(d.verdict.status).toBe('at-risk');
});
