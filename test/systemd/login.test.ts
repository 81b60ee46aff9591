/**
 * Login sessions for real: sshd + PAM + logind in a booted systemd 252 with KillUserProcesses=yes (a
 * logind.conf.d drop-in). A nohup'd process in session-N.scope is predicted to die at session end, dies
 * at logout, and afterwards a plain `whydied PID` says the session ended; `loginctl enable-linger` +
 * `systemd-run --user` survives logout.
 */
import { check, Login, must, report, sessionsOf, sh, TEST_USER, unavailable, waitInside } from './harness';
import type { Report } from '../../src/engine/types';
import { expectReality, expectRule } from '../reality/predict';

jest.setTimeout(120000);
const skip = unavailable();
if (skip) console.log(`[systemd] skipped: ${skip}`);
const t = skip ? test.skip : test;
const DROPIN = '/etc/systemd/logind.conf.d/50-whydied-test.conf';

const gone = (pid: number): string => `! kill -0 ${pid} 2>/dev/null`;
const alive = (pid: number): boolean => sh(`kill -0 ${pid}`).code === 0;

/** Log out and wait until logind has no session of the user left. */
async function logout(login: Login): Promise<void> {
  await login.logout();
  const ended = await waitInside(`[ -z "$(loginctl list-sessions --no-legend | awk '$3 == "${TEST_USER}"')" ]`, 20000);
  if (!ended)
    throw new Error(
      `the session did not end: ${sh(`loginctl list-sessions --no-legend; for s in $(loginctl list-sessions --no-legend | awk '{print $1}'); do loginctl session-status $s --no-pager; done`).stdout}`,
    );
}

afterAll(async () => {
  if (skip) return;
  await Login.closeAll();
  sh(`loginctl disable-linger ${TEST_USER}; loginctl terminate-user ${TEST_USER}; pkill -KILL -u ${TEST_USER}`);
});

let before: Report | null = null;
let victim = 0;

t(
  'a nohup process in an ssh session with KillUserProcesses=yes: at-risk at session end, citing the drop-in',
  async () => {
    must(`loginctl disable-linger ${TEST_USER}`);
    const login = new Login();
    // Its stdout goes to the journal (systemd-cat connects, then execs): the journal keeps lines with its pid and unit.
    victim = Number(
      await login.run(
        `nohup systemd-cat -t wd-worker sh -c 'echo worker started; exec sleep 3001' >/dev/null 2>&1 & echo $!`,
      ),
    );
    expect(victim).toBeGreaterThan(1);
    expect(await waitInside(`journalctl -q _PID=${victim} | grep -q 'worker started'`)).toBe(true);
    expect(sessionsOf()).toHaveLength(1);
    before = report([String(victim)]);
    expect(before.verdict.status).toBe('at-risk');
    const cg = check(before, 'cgroup');
    expect(cg.code).toBe('session-scope-killed');
    expect(cg.evidence).toMatchObject({
      killUserProcesses: true,
      killUserProcessesSource: DROPIN,
      killUserProcessesCompiledDefault: false,
      user: TEST_USER,
      lingering: false,
      systemdRunning: true,
    });
    const risk = expectRule(before, 'session-end', 'session.kill-user-processes');
    expect(risk.reason).toContain(DROPIN);
    expect(before.remedy.length).toBeGreaterThan(0);

    await logout(login);
    // The real event: logind stopped the scope and the process died with it.
    expect(await waitInside(gone(victim), 15000)).toBe(true);
    expectReality(risk, true);

    const after = report([String(victim)]);
    expect(after.verdict.status).toBe('died');
    expect(after.verdict.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGTERM',
      sender: { pid: 1, comm: 'systemd' },
    });
    const su = check(after, 'systemd-unit');
    expect(su.code).toBe('session-ended');
    expect(su.evidence).toMatchObject({ foundBy: 'journal' });
    expect(after.verdict.summary).toMatch(/login session \S+ \(session-\S+\.scope\), which ended at/);
    expect(after.verdict.summary).toContain('KillUserProcesses=yes');
  },
);

// whydied ran as root, so its first remedy is root's: a system service run as the process's user, outside
// any session scope. Run as printed (as root), then a new login and logout must leave it running.
t('the first remedy whydied printed survives the next logout, and is no longer at risk for it', async () => {
  expect(before).not.toBeNull();
  const remedy = (before as Report).remedy[0];
  expect(remedy).toMatch(/^systemd-run --collect --unit=\S+ --uid=1000 /);
  must(remedy);
  // systemd runs the command by its full path.
  expect(await waitInside(`pgrep -u ${TEST_USER} -f '^(/usr/bin/)?sleep 3001$' >/dev/null`)).toBe(true);
  const relaunched = Number(must(`pgrep -u ${TEST_USER} -n -f '^(/usr/bin/)?sleep 3001$'`));
  const after = report([String(relaunched)]);
  const risk = expectRule(after, 'session-end', 'session.outside');
  expectRule(after, 'parent-exit', 'parent.service-manager');
  const login = new Login();
  await login.run('true');
  await logout(login);
  await waitInside(gone(relaunched), 12000);
  expectReality(risk, !alive(relaunched));
  expect(alive(relaunched)).toBe(true);
  must(`kill ${relaunched}`);
});

t(
  'with no readable logind.conf at all, the compiled-in default decides and whydied says it cannot tell which',
  async () => {
    must(
      `mv ${DROPIN} ${DROPIN}.off && mv /etc/systemd/logind.conf /etc/systemd/logind.conf.off && systemctl restart systemd-logind`,
    );
    try {
      const login = new Login();
      const pid = Number(await login.run(`nohup sleep 3004 >/dev/null 2>&1 & echo $!`));
      const r = report([String(pid)]);
      const risk = expectRule(r, 'session-end', 'session.kill-user-processes-unset');
      await login.logout();
      await waitInside(gone(pid), 5000);
      expectReality(risk, !alive(pid));
      sh(`kill ${pid}`);
    } finally {
      must(
        `mv /etc/systemd/logind.conf.off /etc/systemd/logind.conf && mv ${DROPIN}.off ${DROPIN} && systemctl restart systemd-logind`,
      );
    }
  },
);

t(
  'without the drop-in the compiled-in default decides (Debian: no), named from the shipped logind.conf, and the process survives logout',
  async () => {
    must(`mv ${DROPIN} ${DROPIN}.off && systemctl restart systemd-logind`);
    try {
      const login = new Login();
      const pid = Number(await login.run(`nohup sleep 3003 >/dev/null 2>&1 & echo $!`));
      const r = report([String(pid)]);
      expect(check(r, 'cgroup')).toMatchObject({
        code: 'session-scope',
        evidence: {
          killUserProcesses: false,
          killUserProcessesCompiledDefault: true,
          killUserProcessesSource: '/etc/systemd/logind.conf',
        },
      });
      expect(check(r, 'cgroup').summary).toContain('compiled-in default');
      const risk = expectRule(r, 'session-end', 'session.kept-at-logout');
      const [session] = sessionsOf();
      await login.logout();
      // logind ends the session but, with KillUserProcesses=no, leaves the scope's processes alone: the session
      // stays "closing" for as long as they live.
      expect(await waitInside(`[ "$(loginctl show-session ${session} -p State --value)" = closing ]`, 20000)).toBe(
        true,
      );
      expect(alive(pid)).toBe(true);
      expectReality(risk, false);
      must(`kill ${pid}`);
    } finally {
      must(`mv ${DROPIN}.off ${DROPIN} && systemctl restart systemd-logind`);
    }
  },
);

t('loginctl enable-linger + systemd-run --user survives logout; without linger it does not', async () => {
  const start = async (login: Login, unit: string): Promise<number> => {
    await login.run(`systemd-run --user -q --unit=${unit} sleep 3002`);
    return Number(await login.run(`systemctl --user show ${unit} -p MainPID --value`));
  };
  sh(`loginctl disable-linger ${TEST_USER}`);
  let login = new Login();
  const plain = await start(login, 'wd-nolinger');
  const r1 = report([String(plain)]);
  expect(check(r1, 'cgroup')).toMatchObject({ code: 'user-manager', evidence: { lingering: false, user: TEST_USER } });
  const r1risk = expectRule(r1, 'session-end', 'session.user-manager');
  expect(r1.remedy[0]).toBe(`loginctl enable-linger ${1000}`);
  await logout(login);
  // The user manager stops after the last logout (UserStopDelaySec) and takes the unit with it.
  expect(await waitInside(gone(plain), 30000)).toBe(true);
  expectReality(r1risk, true);

  must(`loginctl enable-linger ${TEST_USER}`);
  login = new Login();
  const lingered = await start(login, 'wd-linger');
  const r2 = report([String(lingered)]);
  expect(check(r2, 'cgroup')).toMatchObject({ code: 'user-manager-lingering', evidence: { lingering: true } });
  const r2risk = expectRule(r2, 'session-end', 'session.user-manager-lingering');
  await logout(login);
  // Lingering: the user goes to state "lingering" instead of stopping; the unit is still there.
  expect(await waitInside(`[ "$(loginctl show-user ${TEST_USER} -p State --value)" = lingering ]`, 20000)).toBe(true);
  expect(alive(lingered)).toBe(true);
  expectReality(r2risk, false);
});
