/**
 * Remedies that escape what the tools table found: a keeper's own end is no threat to relaunch away from;
 * another user's process is relaunched as that user; a supervised process is kept by its supervisor's own
 * config; inside a container no relaunch inside is offered. The reality side is in test/reality/tools-*.
 */
import { spawnSync } from 'child_process';
import { buildRemedy, type RemedyInput } from '../../src/engine/remedy';
import type { Risk, RiskEvent } from '../../src/engine/types';
import type { HostTools } from '../../src/source/types';

const TOOLS: HostTools = { setsid: true, systemdRun: true, systemdRunning: true, tmux: true, loginctl: true, euid: 0 };
const dies = (event: RiskEvent, by?: 'keeper'): Risk => ({
  event,
  code: 'test.dies',
  outcome: 'dies',
  confidence: 'likely',
  reason: 'test',
  ...(by ? { by } : {}),
});
const base: RemedyInput = {
  argv: ['sleep', '9'],
  exe: '/usr/bin/sleep',
  cwd: null,
  comm: 'sleep',
  pid: 4242,
  uid: 0,
  stdoutFile: null,
  ciMarkers: [],
  risks: [dies('group-kill')],
  tools: TOOLS,
  memoryCgroup: null,
};

test("a keeper's own end alone is no threat: no relaunch is offered", () => {
  expect(buildRemedy({ ...base, risks: [dies('parent-exit', 'keeper')] })).toEqual([]);
});

test("root relaunching another user's process keeps its uid and gid (setpriv), and the unit keeps --uid", () => {
  const steps = buildRemedy({ ...base, uid: 1000, gid: 1001 });
  expect(steps[0]).toEqual({
    kind: 'relaunch-detached',
    command: 'setsid -f setpriv --reuid=1000 --regid=1001 --init-groups -- sleep 9 </dev/null >>/tmp/sleep.log 2>&1',
  });
  expect(steps[1].command).toMatch(/^systemd-run --collect --unit=sleep-4242 --uid=1000 .* -- sleep 9$/);
  // No tmux: it would run the command as root.
  expect(steps.map((s) => s.kind)).not.toContain('tmux-session');
  for (const s of steps) expect(spawnSync('bash', ['-n', '-c', s.command]).status).toBe(0);
  // The user reading about their own process needs no setpriv.
  expect(buildRemedy({ ...base, uid: 1000, gid: 1001, tools: { ...TOOLS, euid: 1000 } })[0].command).toMatch(
    /^setsid -f sleep 9 /,
  );
});

test('a supervised process: its supervisor keeps it first (pm2 save && pm2 startup)', () => {
  const steps = buildRemedy({
    ...base,
    keeper: { tool: 'pm2', label: 'PM2', keepRunning: 'pm2 save', command: 'pm2 save && pm2 startup' },
  });
  expect(steps[0]).toEqual({ kind: 'supervisor', command: 'pm2 save && pm2 startup' });
});

test('seen from inside a container: no relaunch inside, only the restart policy when the id is known', () => {
  const risks = [dies('container-stop')];
  expect(buildRemedy({ ...base, risks, insideContainer: { id: null } })).toEqual([]);
  expect(buildRemedy({ ...base, risks, insideContainer: { id: '0123456789ab' } })).toEqual([
    { kind: 'container-restart', command: 'docker update --restart=unless-stopped 0123456789ab' },
  ]);
  // Inside a container but threatened only by a group kill: a relaunch inside does escape that.
  expect(buildRemedy({ ...base, insideContainer: { id: null } })[0].kind).toBe('relaunch-detached');
});
