/** A zombie, a kernel thread, and a process that renames itself with terminal escapes. */
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { cleanupProcesses, readPidFile, startDetached, track, waitFor } from '../helpers/processes';
import { cleanEnv, diagnosePid, finding, reportFor, tempDir } from './helpers';

afterAll(() => cleanupProcesses());

test('a zombie: exited child of a parent that never waits', async () => {
  const dir = tempDir();
  const pidFile = path.join(dir, 'zombie.pid');
  const script = `import os, sys, time\npid = os.fork()\nif pid == 0:\n    os._exit(3)\nopen(sys.argv[1], 'w').write(str(pid))\ntime.sleep(1000)\n`;
  startDetached('python3', ['-c', script, pidFile], { env: cleanEnv() });
  const pid = await readPidFile(pidFile);
  await waitFor(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
  const d = await diagnosePid(pid);
  expect(d.state).toBe('zombie');
  expect(finding(d, 'existence').code).toBe('zombie');
  expect(finding(d, 'existence').status).toBe('warn');
  expect(d.verdict.status).toBe('at-risk');
  expect(d.verdict.summary).toMatch(/zombie/);
  expect(d.risks).toEqual([]);
  const report = await reportFor(pid);
  expect(report.state).toBe('zombie');
});

test('pid 2 is a kernel thread', async () => {
  const d = await diagnosePid(2);
  expect(d.state).toBe('alive');
  expect(finding(d, 'existence').code).toBe('kernel-thread');
  expect(finding(d, 'existence').evidence.kernelThread).toBe(true);
  expect(d.verdict.status).toBe('ok');
  expect(d.risks.every((r) => r.outcome === 'survives')).toBe(true);
  expect(d.remedy).toEqual([]);
  await reportFor(2);
});

test('a gone pid fails existence and its dependents are skipped', async () => {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  const pid = parseInt(child.stdout.toString().trim(), 10);
  await waitFor(() => !fs.existsSync(`/proc/${pid}`));
  const d = await diagnosePid(pid);
  expect(finding(d, 'existence')).toMatchObject({ status: 'fail', code: 'gone' });
  expect(finding(d, 'signals').status).toBe('skip');
  expect(d.state).toBe('not-found');
  expect(d.verdict.status).toBe('unknown');
});

test('a process renamed with escapes and newlines (exec -a and prctl)', async () => {
  const evilArgv0 = 'evil\x1b[31m\nname) (x';
  const evilComm = 'bad\x1b]0;\n)';
  // exec -a equivalent: argv[0] is set by the caller; python then renames comm with PR_SET_NAME.
  const script = `import ctypes, time\nctypes.CDLL(None).prctl(15, ${JSON.stringify(evilComm).replace(/\\u001b/g, '\\x1b')}.encode(), 0, 0, 0)\ntime.sleep(1000)\n`;
  // The real interpreter, not a version-manager shim that would re-exec and drop argv[0].
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)']).stdout.toString().trim();
  const child = spawn(python, ['-c', script, "arg with 'quote'"], {
    argv0: evilArgv0,
    stdio: 'ignore',
    detached: true,
    env: cleanEnv(),
  });
  child.unref();
  const pid = track(child.pid ?? 0);
  await waitFor(() => fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === `${evilComm}\n`);
  const d = await diagnosePid(pid);
  expect(d.process?.comm).toBe(evilComm);
  expect(d.process?.argv?.[0]).toBe(evilArgv0);
  expect(d.state).toBe('alive');
  expect(d.risks).toHaveLength(8);
  await reportFor(pid);
  // Its own session (detached): remedy only when at risk; build one by hand through the verdict's remedy path.
  const { buildRemedy } = await import('../../src/engine/remedy');
  const tools = { setsid: true, systemdRun: false, systemdRunning: false, tmux: false, loginctl: false, euid: 0 };
  const risks = [
    {
      event: 'group-kill' as const,
      code: 'group.member',
      outcome: 'dies' as const,
      confidence: 'certain' as const,
      reason: 'test',
    },
  ];
  const cmds = buildRemedy({
    argv: d.process?.argv ?? [],
    exe: d.process?.exe ?? null,
    cwd: d.process?.cwd ?? null,
    comm: d.process?.comm ?? '',
    pid,
    uid: 0,
    stdoutFile: null,
    ciMarkers: [],
    risks,
    tools,
    memoryCgroup: null,
  }).map((s) => s.command);
  for (const c of cmds) expect(c).not.toMatch(/[\x00-\x1f\x7f]/);
  // The rewritten argv[0] is replaced by the real executable; the rest round-trips through bash.
  const echoed = spawnSync('bash', [
    '-c',
    `printf '%s\\0' ${cmds[0].replace(/^cd .* && setsid -f /, '').replace(/ <\/dev\/null.*$/, '')}`,
  ]).stdout.toString();
  expect(echoed.split('\0').slice(1, 4)).toEqual(['-c', script, "arg with 'quote'"]);
});
