import { spawnSync } from 'child_process';
import { buildRemedy, safeName } from '../../src/engine/remedy';
import { classifyCgroupPath, parseKillUserProcesses } from '../../checks/cgroup';
import { isOrphanedGroup } from '../../checks/process-group';
import type { ProcStat } from '../../src/source/types';

test('remedy commands are built from argv and cwd and parse back in bash', () => {
  const cmds = buildRemedy({ argv: ['./cliproxy', '--config', "my 'conf'.yaml"], exe: '/root/CLIProxyAPI/cliproxy', cwd: '/root/CLI Proxy', comm: 'cliproxy', stdoutFile: '/tmp/cliproxy.log', ciMarkers: ['BUILD_ID'] });
  expect(cmds).toEqual([
    "cd '/root/CLI Proxy' && JENKINS_NODE_COOKIE=dontKillMe BUILD_ID=dontKillMe setsid -f ./cliproxy --config 'my '\\''conf'\\''.yaml' </dev/null >>/tmp/cliproxy.log 2>&1",
    "cd '/root/CLI Proxy' && setsid -f ./cliproxy --config 'my '\\''conf'\\''.yaml' </dev/null >>/tmp/cliproxy.log 2>&1",
    "systemd-run --user --unit=cliproxy --working-directory='/root/CLI Proxy' ./cliproxy --config 'my '\\''conf'\\''.yaml'",
    "tmux new -d -s cliproxy -c '/root/CLI Proxy' ./cliproxy --config 'my '\\''conf'\\''.yaml'",
  ]);
  for (const c of cmds) expect(spawnSync('bash', ['-n', '-c', c]).status).toBe(0);
  const gh = buildRemedy({ argv: ['sleep', '9'], exe: null, cwd: null, comm: 'sleep', stdoutFile: null, ciMarkers: ['RUNNER_TRACKING_ID'] });
  expect(gh[0]).toBe('RUNNER_TRACKING_ID= setsid -f sleep 9 </dev/null >>/tmp/sleep.log 2>&1');
  expect(buildRemedy({ argv: ['-bash'], exe: '/usr/bin/bash', cwd: '/', comm: 'bash', stdoutFile: null, ciMarkers: [] })[0]).toBe('cd / && setsid -f /usr/bin/bash </dev/null >>/tmp/bash.log 2>&1');
  expect(buildRemedy({ argv: [], exe: null, cwd: null, comm: 'x', stdoutFile: null, ciMarkers: [] })).toEqual([]);
  expect(safeName('/usr/bin/py thon\x1b')).toBe('py-thon');
  expect(safeName('...')).toBe('job');
});

test('cgroup paths are classified (v1 and v2)', () => {
  expect(classifyCgroupPath('/user.slice/user-1000.slice/session-3.scope')).toMatchObject({ kind: 'session-scope', sessionId: '3' });
  expect(classifyCgroupPath('/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service')).toMatchObject({ kind: 'user-manager', uid: 1000, unit: 'foo.service' });
  expect(classifyCgroupPath('/system.slice/nginx.service')).toMatchObject({ kind: 'service', unit: 'nginx.service' });
  expect(classifyCgroupPath('/docker/0123abcd')).toMatchObject({ kind: 'container' });
  expect(classifyCgroupPath('/system.slice/docker-0123.scope')).toMatchObject({ kind: 'container' });
  expect(classifyCgroupPath('/kubepods/burstable/pod1/abc')).toMatchObject({ kind: 'container' });
  expect(classifyCgroupPath('/machine.slice/libpod-abc.scope/container')).toMatchObject({ kind: 'container' });
  expect(classifyCgroupPath('/')).toMatchObject({ kind: 'none' });
});

test('KillUserProcesses: last assignment in [Login] wins', () => {
  expect(parseKillUserProcesses('[Login]\n#KillUserProcesses=yes\n')).toBeNull();
  expect(parseKillUserProcesses('[Login]\nKillUserProcesses=yes\n')).toBe(true);
  expect(parseKillUserProcesses('[Login]\nKillUserProcesses=yes\nKillUserProcesses=no\n')).toBe(false);
  expect(parseKillUserProcesses('[Other]\nKillUserProcesses=yes\n')).toBeNull();
});

test('orphaned process groups (POSIX definition)', () => {
  const s = (pid: number, ppid: number, pgrp: number, session: number): ProcStat => ({
    pid, comm: 'x', state: 'S', ppid, pgrp, session, ttyNr: 0, tpgid: -1, flags: 0, utime: 0, stime: 0, numThreads: 1, startTime: 0, vsize: 0, rssPages: 0,
  });
  const shellJob = [s(10, 1, 10, 10), s(20, 10, 20, 10)];
  expect(isOrphanedGroup(shellJob, 20, 10)).toBe(false);
  expect(isOrphanedGroup([s(20, 1, 20, 10)], 20, 10)).toBe(true);
});
