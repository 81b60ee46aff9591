/** Seed 003: a command in a detached tmux server has a tty, but the server holds it and outlives SSH. */
import * as path from 'path';
import { spawnSync } from 'child_process';
import { cleanupProcesses, readPidFile, track } from '../helpers/processes';
import { waitForComm, cleanEnv, diagnosePid, finding, risk, tempDir } from './helpers';

const socket = `whydied-test-${process.pid}`;

afterAll(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  cleanupProcesses();
});

test('a tmux pane survives terminal hangup because the tmux server holds its tty', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'tmux.pid');
  const r = spawnSync(
    'tmux',
    ['-L', socket, '-f', '/dev/null', 'new', '-d', `sh -c 'echo $$ > ${pidFile}; exec sleep 1000'`],
    { env: cleanEnv() },
  );
  expect(r.status).toBe(0);
  const pid = await readPidFile(pidFile);
  await waitForComm(pid, 'sleep');
  const d = await diagnosePid(pid);
  const server = track(d.process?.ppid ?? 0);
  expect(d.process?.tty).toMatch(/^pts\/\d+$/);
  const t = finding(d, 'tty');
  expect(t.code).toBe('multiplexer-held');
  expect(t.evidence.holder).toMatchObject({ pid: server, kind: 'tmux-server' });
  expect(finding(d, 'parent-chain').evidence.ancestors).toEqual(
    expect.arrayContaining([expect.objectContaining({ pid: server, kind: 'tmux-server' })]),
  );
  expect(risk(d, 'terminal-hangup').outcome).toBe('survives');
  expect(risk(d, 'terminal-hangup').reason).toMatch(/tmux server/);
  expect(risk(d, 'group-kill').outcome).toBe('survives');
  // The server is the pane's keeper: its own end takes the pane (a keeper's death, not a threat).
  expect(risk(d, 'parent-exit')).toMatchObject({ outcome: 'dies', code: 'parent.keeper', by: 'keeper' });
  expect(d.verdict.status).toBe('ok');
});
