/** Seed 000's fix: `setsid -f cmd` — its own session and group, no terminal, reparented to init. */
import * as path from 'path';
import { spawnSync } from 'child_process';
import { cleanupProcesses, readPidFile } from '../helpers/processes';
import { waitForComm, cleanEnv, diagnosePid, finding, reportFor, risk, tempDir } from './helpers';

afterAll(() => cleanupProcesses());

test('setsid -f survives hangup, parent exit and group kill', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'setsid.pid');
  // The launching bash exits at once, as an automation step would.
  const r = spawnSync(
    'bash',
    ['-c', `setsid -f sh -c 'echo $$ > "$0"; exec sleep 1000' '${pidFile}' </dev/null >/dev/null 2>&1`],
    { env: cleanEnv() },
  );
  expect(r.status).toBe(0);
  const pid = await readPidFile(pidFile);
  await waitForComm(pid, 'sleep');
  const d = await diagnosePid(pid);
  expect(d.process?.ppid).toBe(1);
  expect(d.process?.pgid).toBe(pid);
  expect(d.process?.sid).toBe(pid);
  expect(finding(d, 'parent-chain').code).toBe('reparented-init');
  expect(finding(d, 'process-group').code).toBe('own-session');
  expect(finding(d, 'stdio').code).toBe('detached');
  expect(risk(d, 'terminal-hangup').outcome).toBe('survives');
  expect(risk(d, 'parent-exit').outcome).toBe('survives');
  expect(risk(d, 'group-kill').outcome).toBe('survives');
  expect(risk(d, 'group-kill').reason).toMatch(/own process group/);
  expect(d.verdict.status).toBe('ok');
  expect(d.remedy).toEqual([]);
  const report = await reportFor(pid);
  expect(report.verdict.status).toBe('ok');
});
