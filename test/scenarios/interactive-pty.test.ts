/**
 * Seeds 001-004: jobs typed into an interactive bash on a real pty. A plain `cmd &` dies when the
 * terminal hangs up (the shell forwards SIGHUP to its jobs); `nohup cmd &` survives that.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cleanupProcesses, readPidFile, startDetached } from '../helpers/processes';
import { waitForComm, cleanEnv, diagnosePid, finding, reportFor, risk, tempDir } from './helpers';

afterAll(() => cleanupProcesses());

// The pty parent types the commands, then keeps draining the master so the shell never blocks.
const PTY_DRIVER = path.join(__dirname, '..', 'helpers', 'pty-driver.py');

test('interactive bash on a pty: plain job dies at hangup, nohup job survives it', async () => {
  const dir = tempDir();
  const plainFile = path.join(dir, 'plain.pid');
  const nohupFile = path.join(dir, 'nohup.pid');
  const cmds = `sleep 1000 & echo $! > '${plainFile}'\nnohup sleep 1001 >/dev/null 2>&1 & echo $! > '${nohupFile}'\n`;
  startDetached('python3', [PTY_DRIVER, cmds], { env: cleanEnv({ PS1: '$ ', TERM: 'dumb' }) });
  const plain = await readPidFile(plainFile);
  await waitForComm(plain, 'sleep');
  const nohup = await readPidFile(nohupFile);
  await waitForComm(nohup, 'sleep');
  // The nohup job exists once its pid is written; wait until it has exec'd sleep (SIGHUP ignored by then).

  const a = await diagnosePid(plain);
  expect(a.process?.tty).toMatch(/^pts\/\d+$/);
  expect(finding(a, 'tty').code).toBe('background');
  expect(finding(a, 'tty').evidence.sessionLeader).toMatchObject({ kind: 'interactive-shell' });
  expect(finding(a, 'signals').code).toBe('sighup-default');
  expect(finding(a, 'process-group').code).toBe('own-group');
  // A job dies at hangup unless disowned, which /proc cannot show (test/reality makes both happen): the
  // likely outcome is said, the exception named with the command that tells.
  expect(risk(a, 'terminal-hangup')).toMatchObject({ outcome: 'dies', confidence: 'likely', code: 'hangup.shell-job' });
  expect(risk(a, 'terminal-hangup').reason).toMatch(/bash .*unless the job was disowned.*jobs -l/);
  // Not a login shell: huponexit does not apply, and reparenting sends nothing.
  expect(risk(a, 'parent-exit')).toMatchObject({ outcome: 'survives', code: 'parent.reparent' });
  expect(risk(a, 'group-kill').outcome).toBe('survives');
  expect(a.verdict.status).toBe('at-risk');
  expect(a.verdict.summary).toMatch(/terminal hangup/);
  expect(a.remedy.length).toBeGreaterThan(0);

  const b = await diagnosePid(nohup);
  expect(finding(b, 'signals').code).toBe('sighup-ignored');
  expect(risk(b, 'terminal-hangup').outcome).toBe('survives');
  expect(risk(b, 'terminal-hangup').reason).toMatch(/SIGHUP is ignored/);
  expect(risk(b, 'parent-exit').outcome).toBe('survives');

  const report = await reportFor(plain);
  expect(report.state).toBe('alive');
  expect(report.risks[0]).toMatchObject({ event: 'terminal-hangup', outcome: 'dies' });
});
