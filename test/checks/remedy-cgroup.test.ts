import { spawnSync } from 'child_process';
import { buildRemedy as buildSteps, safeName, type RemedyInput } from '../../src/engine/remedy';

/** The commands as the report prints them. */
const buildRemedy = (input: RemedyInput): string[] => buildSteps(input).map((s) => s.command);
import { classifyCgroupPath } from '../../src/model/cgroup-path';
import { parseKillUserProcesses } from '../../src/source/systemd/logind';
import { isOrphanedGroup } from '../../src/model/group';
import type { ProcStat } from '../../src/source/types';

import type { Risk, RiskEvent } from '../../src/engine/types';
import type { HostTools } from '../../src/source/types';

const ALL_TOOLS: HostTools = {
  setsid: true,
  systemdRun: true,
  systemdRunning: true,
  tmux: true,
  loginctl: true,
  euid: 0,
};
const dies = (...events: RiskEvent[]): Risk[] =>
  events.map((event) => ({ event, code: 'test.dies', outcome: 'dies', confidence: 'certain', reason: 'test' }));
const base = {
  pid: 4242,
  uid: 0,
  tools: ALL_TOOLS,
  memoryCgroup: null,
  ciMarkers: [] as string[],
  stdoutFile: null,
  risks: dies('group-kill'),
};

test('remedy commands are chosen for the threats, built from argv and cwd, and parse back in bash', () => {
  const cmds = buildRemedy({
    ...base,
    argv: ['./cliproxy', '--config', "my 'conf'.yaml"],
    exe: '/root/CLIProxyAPI/cliproxy',
    cwd: '/root/CLI Proxy',
    comm: 'cliproxy',
    stdoutFile: '/tmp/cliproxy.log',
    ciMarkers: ['BUILD_ID'],
    risks: dies('group-kill', 'ci-cleanup'),
  });
  // In CI every command must carry the escape: tmux would inherit the job's markers, so it is not offered.
  expect(cmds).toEqual([
    "cd '/root/CLI Proxy' && JENKINS_NODE_COOKIE=dontKillMe BUILD_ID=dontKillMe setsid -f ./cliproxy --config 'my '\\''conf'\\''.yaml' </dev/null >>/tmp/cliproxy.log 2>&1",
    "systemd-run --collect --unit=cliproxy-4242 --working-directory='/root/CLI Proxy' --property='StandardOutput=append:/tmp/cliproxy.log' --property=StandardError=inherit -- ./cliproxy --config 'my '\\''conf'\\''.yaml'",
  ]);
  for (const c of cmds) expect(spawnSync('bash', ['-n', '-c', c]).status).toBe(0);
  // The verdict words its headline by the kind of the first step, never by the command's text.
  expect(
    buildSteps({
      ...base,
      argv: ['./cliproxy'],
      exe: '/root/CLIProxyAPI/cliproxy',
      cwd: null,
      comm: 'cliproxy',
      ciMarkers: ['BUILD_ID'],
      risks: dies('group-kill', 'ci-cleanup'),
    }).map((s) => s.kind),
  ).toEqual(['relaunch-ci-escape', 'system-service']);
  const gh = buildRemedy({
    ...base,
    argv: ['sleep', '9'],
    exe: null,
    cwd: null,
    comm: 'sleep',
    ciMarkers: ['RUNNER_TRACKING_ID'],
    risks: dies('ci-cleanup'),
  });
  expect(gh[0]).toBe('RUNNER_TRACKING_ID= setsid -f sleep 9 </dev/null >>/tmp/sleep.log 2>&1');
  expect(buildRemedy({ ...base, argv: ['-bash'], exe: '/usr/bin/bash', cwd: '/', comm: 'bash' })[0]).toBe(
    'cd / && setsid -f /usr/bin/bash </dev/null >>/tmp/bash.log 2>&1',
  );
  expect(buildRemedy({ ...base, argv: [], exe: null, cwd: null, comm: 'x' })).toEqual([]);
  expect(safeName('/usr/bin/py thon\x1b')).toBe('py-thon');
  expect(safeName('...')).toBe('job');
});

test('a session-scope threat puts a system unit first; no threat, no command; absent tools are never named', () => {
  const s = buildRemedy({
    ...base,
    argv: ['sleep', '9'],
    exe: '/usr/bin/sleep',
    cwd: '/tmp',
    comm: 'sleep',
    risks: dies('session-end', 'group-kill'),
  });
  expect(s).toHaveLength(1);
  expect(s[0]).toMatch(/^systemd-run --collect --unit=sleep-4242 --working-directory=\/tmp /);
  expect(
    buildRemedy({ ...base, argv: ['sleep', '9'], exe: '/usr/bin/sleep', cwd: '/tmp', comm: 'sleep', risks: [] }),
  ).toEqual([]);
  // A user reading about their own process: a lingering user service first (no root needed), root's way second.
  const own = buildRemedy({
    ...base,
    uid: 1000,
    tools: { ...ALL_TOOLS, euid: 1000 },
    argv: ['sleep', '9'],
    exe: '/usr/bin/sleep',
    cwd: null,
    comm: 'sleep',
    risks: dies('session-end'),
  });
  expect(own[0]).toMatch(/^loginctl enable-linger 1000 && systemd-run --user --collect --unit=sleep-4242 /);
  expect(own[1]).toMatch(/^sudo systemd-run --collect --unit=sleep-4242 --uid=1000 /);
  // Root reading about a user's process: a system service as that user.
  const asRoot = buildRemedy({
    ...base,
    uid: 1000,
    argv: ['sleep', '9'],
    exe: '/usr/bin/sleep',
    cwd: null,
    comm: 'sleep',
    risks: dies('session-end'),
  });
  expect(asRoot).toEqual([expect.stringMatching(/^systemd-run --collect --unit=sleep-4242 --uid=1000 .* -- sleep 9$/)]);
  const bare = buildRemedy({
    ...base,
    argv: ['sleep', '9'],
    exe: '/usr/bin/sleep',
    cwd: null,
    comm: 'sleep',
    tools: { ...ALL_TOOLS, systemdRun: false, tmux: false },
  });
  expect(bare).toEqual(['setsid -f sleep 9 </dev/null >>/tmp/sleep.log 2>&1']);
  // exec -a: argv[0] names no program; the executable runs instead.
  expect(
    buildRemedy({
      ...base,
      argv: ['fancy name', '9'],
      exe: '/usr/bin/sleep',
      cwd: null,
      comm: 'sleep',
      tools: { ...ALL_TOOLS, systemdRun: false, tmux: false },
    })[0],
  ).toBe('setsid -f /usr/bin/sleep 9 </dev/null >>/tmp/sleep.log 2>&1');
  // tmux gets one quoted `exec CMD` string: its sh -c sees the argv words still quoted.
  const t = buildRemedy({
    ...base,
    argv: ['sleep', '$(touch x)'],
    exe: '/usr/bin/sleep',
    cwd: null,
    comm: 'sleep',
    tools: { ...ALL_TOOLS, systemdRun: false },
  });
  expect(t[1]).toBe(`tmux new -d -s sleep-4242 'exec sleep '\\''$(touch x)'\\'''`);
});

test('cgroup paths are classified (v1 and v2)', () => {
  expect(classifyCgroupPath('/user.slice/user-1000.slice/session-3.scope')).toMatchObject({
    kind: 'session-scope',
    sessionId: '3',
  });
  expect(classifyCgroupPath('/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service')).toMatchObject({
    kind: 'user-manager',
    uid: 1000,
    unit: 'foo.service',
  });
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
    pid,
    comm: 'x',
    state: 'S',
    ppid,
    pgrp,
    session,
    ttyNr: 0,
    tpgid: -1,
    flags: 0,
    utime: 0,
    stime: 0,
    numThreads: 1,
    startTime: 0,
    vsize: 0,
    rssPages: 0,
  });
  const shellJob = [s(10, 1, 10, 10), s(20, 10, 20, 10)];
  expect(isOrphanedGroup(shellJob, 20, 10)).toBe(false);
  expect(isOrphanedGroup([s(20, 1, 20, 10)], 20, 10)).toBe(true);
});
