/**
 * Processes whose fate another kind of unit decides, for real in a booted systemd 252: a user service of
 * `systemd --user` (its worker dies with its main process; its main process with the user manager's stop),
 * RemainAfterExit=yes and ExitType=cgroup (the main process's clean exit leaves the rest running, a
 * failing one does not), a Type=oneshot script's background child, and a `systemd-run --scope` command (its
 * launching shell's exit leaves it; the scope's stop ends it). Each prediction is checked by making the
 * event happen.
 */
import * as path from 'path';
import { parseReports } from '../helpers/guest';
import {
  check,
  CHECKOUT,
  Login,
  must,
  report,
  sh,
  TEST_UID,
  TEST_USER,
  waitInside,
  writeInside,
  systemdSuite,
} from './harness';
import { expectReality, expectRule } from '../reality/predict';

jest.setTimeout(180000);

// Unit names unique per run: a rerun against a still-running container never meets an earlier run's units.
const { skip, t, units, unit } = systemdSuite();

/** A command as the test user, talking to its own user manager (what `systemctl --user` in its login does). */
const asUser = (cmd: string): string =>
  `setpriv --reuid=${TEST_UID} --regid=${TEST_UID} --clear-groups -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR=/run/user/${TEST_UID} sh -c '${cmd}'`;

const gone = (pid: number): string => `! kill -0 ${pid} 2>/dev/null`;
const alive = (pid: number): boolean => sh(`kill -0 ${pid}`).code === 0;

afterAll(async () => {
  if (skip) return;
  for (const u of units)
    sh(
      `systemctl stop ${u}.service ${u}.scope 2>/dev/null; systemctl reset-failed ${u}.service 2>/dev/null; rm -f /run/systemd/system/${u}.service /run/${u}.*`,
    );
  sh('systemctl daemon-reload');
  await Login.closeAll();
  sh(`loginctl disable-linger ${TEST_USER}; loginctl terminate-user ${TEST_USER}`);
});

/** The background child and the main process a unit's script leaves in a pid file (child first, main second). */
async function childAndMain(file: string): Promise<[number, number]> {
  expect(await waitInside(`[ "$(wc -l < ${file})" -ge 2 ]`)).toBe(true);
  const [child, main] = must(`cat ${file}`).split('\n').map(Number);
  return [child, main];
}

// The script: fork a worker, note both pids, then become the main process (exec).
const worker = (file: string, n: number): string =>
  `sleep ${n} & echo $! > ${file}; echo $$ >> ${file}; exec sleep ${n + 1}`;

t("a user service's worker dies with its main process, and its main process with the user manager's stop", async () => {
  must(`loginctl enable-linger ${TEST_USER}`);
  expect(await waitInside(`systemctl is-active -q user@${TEST_UID}.service`, 20000)).toBe(true);
  const u = unit('user');
  const file = `/tmp/${u}.pid`;
  // A script file: no quoting of $! and $$ through three shells.
  writeInside(`/tmp/${u}.sh`, `${worker(file, 4100)}\n`);
  must(asUser(`systemd-run --user -q --unit=${u} sh /tmp/${u}.sh`));
  const [child, main] = await childAndMain(file);
  expect(await waitInside(`[ "$(${asUser(`systemctl --user show ${u} -p MainPID --value`)})" = ${main} ]`)).toBe(true);
  // The worker: read from the user manager (not the system one), it dies when the main process exits.
  const r = report([String(child)]);
  const row = expectRule(r, 'parent-exit', 'parent.unit-main');
  expect(row.by).toBe('keeper');
  expect(row.reason).toContain(`${TEST_USER}'s user service ${u}.service`);
  // Its group is the main process's (setsid by the manager): a kill of it is the unit's own stop, not a threat.
  expectRule(r, 'group-kill', 'group.daemon-group');
  expect(r.verdict.status).toBe('ok');
  // The main process: started by the user manager, ended by its stop (was: "adopted by a subreaper").
  const m = report([String(main)]);
  const mrow = expectRule(m, 'parent-exit', 'parent.user-manager');
  expect(mrow.by).toBe('keeper');
  expect(m.verdict.status).toBe('ok');
  expect(check(m, 'parent-chain').summary).not.toMatch(/Adopted/);
  // The systemd-unit check presents the user manager's view too (it said "not in a unit of the system manager").
  expect(check(m, 'systemd-unit')).toMatchObject({
    code: 'unit-main',
    evidence: { unit: `${u}.service`, mainPid: main },
  });
  expect(check(m, 'systemd-unit').summary).toContain(`${TEST_USER}'s user manager`);
  expect(check(r, 'systemd-unit').summary).toContain(`whose main process is ${main}`);

  // The user itself asks (no root, no setpriv): its own manager answers the same.
  const own = parseReports(
    must(
      asUser(
        `d=$(mktemp -d); PATH=/usr/local/bin:$PATH WHYDIED_STATE_DIR=$d node ${path.join(CHECKOUT, 'dist/whydied.js')} ${child} --json; rm -rf $d`,
      ),
    ),
  );
  expect(own).toHaveLength(1);
  expectRule(own[0], 'parent-exit', 'parent.unit-main');

  must(`kill ${main}`);
  const died = await waitInside(gone(child), 15000);
  expectReality(row, died);

  // A second one, for the manager's stop.
  const u2 = unit('user2');
  must(asUser(`systemd-run --user -q --unit=${u2} sleep 4102`));
  const main2 = Number(must(asUser(`systemctl --user show ${u2} -p MainPID --value`)));
  const m2 = report([String(main2)]);
  const m2row = expectRule(m2, 'parent-exit', 'parent.user-manager');
  must(`systemctl stop user@${TEST_UID}.service`);
  expectReality(m2row, await waitInside(gone(main2), 20000));
});

t(
  'RemainAfterExit=yes: a clean exit of the main process leaves its worker running until the unit stops; a SIGKILL of it does not',
  async () => {
    const u = unit('rae');
    const file = `/run/${u}.pid`;
    writeInside(`/run/${u}.sh`, `${worker(file, 4110)}\n`);
    must(`systemd-run -q --unit=${u} --remain-after-exit sh /run/${u}.sh`);
    const [child, main] = await childAndMain(file);
    const r = report([String(child)]);
    const row = expectRule(r, 'parent-exit', 'parent.unit-main-remains');
    expect(row.reason).toContain('a failing exit');
    // SIGTERM is a clean exit for a service's main process (systemd's EXIT_CLEAN_DAEMON).
    must(`kill ${main}`);
    expect(await waitInside(`[ "$(systemctl show ${u} -p SubState --value)" = exited ]`)).toBe(true);
    await waitInside(gone(child), 2000);
    expectReality(row, !alive(child));
    // The keeper's own end: stopping the unit kills what it left.
    must(`systemctl stop ${u}`);
    expect(await waitInside(gone(child), 15000)).toBe(true);

    // The exception named in the row: a failing exit kills the rest even with RemainAfterExit=yes.
    const k = unit('rae-kill');
    const kfile = `/run/${k}.pid`;
    writeInside(`/run/${k}.sh`, `${worker(kfile, 4112)}\n`);
    must(`systemd-run -q --unit=${k} -p RemainAfterExit=yes sh /run/${k}.sh`);
    const [kchild, kmain] = await childAndMain(kfile);
    must(`kill -9 ${kmain}`);
    expect(await waitInside(gone(kchild), 15000)).toBe(true);
  },
);

t('ExitType=cgroup: the main process exiting leaves its worker running and the unit active', async () => {
  const u = unit('ect');
  const file = `/run/${u}.pid`;
  writeInside(`/run/${u}.sh`, `${worker(file, 4120)}\n`);
  must(`systemd-run -q --unit=${u} -p ExitType=cgroup sh /run/${u}.sh`);
  const [child, main] = await childAndMain(file);
  const r = report([String(child)]);
  const row = expectRule(r, 'parent-exit', 'parent.unit-main-cgroup');
  must(`kill ${main}`);
  expect(await waitInside(`[ "$(systemctl show ${u} -p MainPID --value)" = 0 ]`)).toBe(true);
  await waitInside(gone(child), 2000);
  expectReality(row, !alive(child));
  expect(must(`systemctl show ${u} -p ActiveState --value`)).toBe('active');
  must(`systemctl stop ${u}`);
});

t("a Type=oneshot script's background child: killed when the script ends, unless RemainAfterExit=yes", async () => {
  // [RemainAfterExit, the rule that must decide, whether the child must die when the script ends]
  const cases: Array<[string, string, boolean]> = [
    ['no', 'parent.unit-main', true],
    ['yes', 'parent.unit-main-remains', false],
  ];
  for (const [rae, code, dies] of cases) {
    const u = unit(`oneshot-${rae}`);
    const file = `/run/${u}.pid`;
    const go = `/run/${u}.go`;
    // The script waits for a file so that whydied can look while it runs; then it ends with status 0.
    writeInside(
      `/run/${u}.sh`,
      `sleep 4130 & echo $! > ${file}; echo $$ >> ${file}\nwhile [ ! -e ${go} ]; do sleep 0.1; done\nexit 0\n`,
    );
    writeInside(
      `/run/systemd/system/${u}.service`,
      `[Service]\nType=oneshot\nRemainAfterExit=${rae}\nExecStart=/bin/sh /run/${u}.sh\n`,
    );
    must(`systemctl daemon-reload && systemctl start --no-block ${u}.service`);
    const [child] = await childAndMain(file);
    const r = report([String(child)]);
    const row =
      rae === 'no'
        ? expectRule(r, 'parent-exit', 'parent.unit-main')
        : expectRule(r, 'parent-exit', 'parent.unit-main-remains');
    expect(row.code).toBe(code);
    must(`touch ${go}`);
    // The script has ended: the unit left its start (to exited with RemainAfterExit=yes, else to dead).
    expect(await waitInside(`[ "$(systemctl show ${u} -p ActiveState --value)" != activating ]`)).toBe(true);
    const died = await waitInside(gone(child), dies ? 15000 : 2000);
    expectReality(row, died);
    expect(died).toBe(dies);
    sh(`systemctl stop ${u}.service; kill -9 ${child} 2>/dev/null`);
  }
});

t(
  "a systemd-run --scope command: its launching shell's exit leaves it, no logout reaches it, and the scope's stop ends it",
  async () => {
    const u = unit('scope');
    const file = `/run/${u}.pid`;
    // A launcher shell in a session of its own that runs the scope's command in the background, then waits.
    sh(
      `setsid -f sh -c 'systemd-run -q --scope --unit=${u} sleep 4140 </dev/null >/dev/null 2>&1 & echo $! > ${file}; echo $$ >> ${file}; exec sleep 4141' </dev/null >/dev/null 2>&1`,
    );
    const [pid, shell] = await childAndMain(file);
    expect(await waitInside(`grep -q '/${u}.scope$' /proc/${pid}/cgroup`)).toBe(true);
    const r = report([String(pid)]);
    const row = expectRule(r, 'parent-exit', 'parent.reparent');
    expectRule(r, 'session-end', 'session.outside');
    must(`kill ${shell}`);
    await waitInside(gone(pid), 2000);
    expectReality(row, !alive(pid));
    // Now an orphan of pid 1 in the scope: reparented, not "started by the service manager".
    const orphan = report([String(pid)]);
    expectRule(orphan, 'parent-exit', 'parent.reparented');
    must(`systemctl stop ${u}.scope`);
    expect(await waitInside(gone(pid), 15000)).toBe(true);
  },
);

t(
  "a Type=forking daemon: its worker dies with it; the start script's leftover is no main process and dies with it too",
  async () => {
    const u = unit('fork');
    const [extra, worker, pidf] = ['extra', 'worker', 'pidf'].map((x) => `/run/${u}.${x}`);
    // The start script leaves a child behind, forks the daemon (which forks a worker), writes its PIDFile, exits.
    writeInside(
      `/run/${u}.sh`,
      `sleep 4160 & echo $! > ${extra}\n( sleep 4161 & echo $! > ${worker}; exec sleep 4162 ) &\necho $! > ${pidf}\nexit 0\n`,
    );
    writeInside(
      `/run/systemd/system/${u}.service`,
      `[Service]\nType=forking\nPIDFile=${pidf}\nExecStart=/bin/sh /run/${u}.sh\n`,
    );
    must(`systemctl daemon-reload && systemctl start ${u}.service`);
    const [left, work, main] = [extra, worker, pidf].map((f) => Number(must(`cat ${f}`)));
    expect(Number(must(`systemctl show ${u} -p MainPID --value`))).toBe(main);
    const w = report([String(work)]);
    const row = expectRule(w, 'parent-exit', 'parent.unit-main');
    // The leftover: its parent is pid 1 now, which does not exit; the reason names what does end it.
    const l = report([String(left)]);
    const lrow = expectRule(l, 'parent-exit', 'parent.service-manager');
    expect(lrow.reason).toContain(`not its main process (pid ${main})`);
    must(`kill ${main}`);
    expectReality(row, await waitInside(gone(work), 15000));
    expect(await waitInside(gone(left), 15000)).toBe(true);
  },
);

t(
  'systemd-run --user --scope in a login: the user manager stops it after the last logout; the remedy printed (linger) keeps the next one',
  async () => {
    const start = async (login: Login, u: string): Promise<number> => {
      const pid = Number(
        await login.run(`systemd-run --user -q --scope --unit=${u} sleep 4170 </dev/null >/dev/null 2>&1 & echo $!`),
      );
      expect(await waitInside(`grep -q 'user@${TEST_UID}.service/.*/${u}.scope$' /proc/${pid}/cgroup`)).toBe(true);
      return pid;
    };
    must(`loginctl disable-linger ${TEST_USER}`);
    let login = new Login();
    const pid = await start(login, unit('uscope'));
    const r = report([String(pid)]);
    const row = expectRule(r, 'session-end', 'session.user-manager');
    const remedy = r.remedy[0];
    await login.logout();
    // UserStopDelaySec (10 s) after the last logout the manager stops, and its scopes with it.
    expectReality(row, await waitInside(gone(pid), 40000));
    expect(await waitInside(`! systemctl is-active -q user@${TEST_UID}.service`, 20000)).toBe(true);

    // The remedy as printed (root's), pasted for the next one: it then outlives the logout.
    expect(remedy).toBe(`loginctl enable-linger ${TEST_UID}`);
    login = new Login();
    const kept = await start(login, unit('uscope2'));
    must(remedy);
    const r2 = report([String(kept)]);
    const row2 = expectRule(r2, 'session-end', 'session.user-manager-lingering');
    await login.logout();
    expect(await waitInside(`[ "$(loginctl show-user ${TEST_USER} -p State --value)" = lingering ]`, 20000)).toBe(true);
    await waitInside(gone(kept), 12000);
    expectReality(row2, !alive(kept));
    must(`kill ${kept}`);
  },
);

t(
  'SendSIGKILL=no: KillMode=mixed, or a worker that ignores SIGTERM, outlives its main process; with SIGKILL it dies TimeoutStopSec later',
  async () => {
    // [KillMode, SendSIGKILL, the worker ignores SIGTERM, the rule, whether it must die]
    const cases: Array<[string, string, boolean, string, boolean]> = [
      ['mixed', 'no', false, 'parent.unit-main-no-sigkill', false],
      ['control-group', 'no', true, 'parent.unit-main-no-sigkill', false],
      ['control-group', 'yes', true, 'parent.unit-main', true],
    ];
    for (const [mode, sigkill, ignores, code, dies] of cases) {
      const u = unit(`sk-${mode}-${sigkill}`);
      const file = `/run/${u}.pid`;
      const child = ignores ? `(trap '' TERM; exec sleep 4180)` : 'sleep 4180';
      writeInside(`/run/${u}.sh`, `${child} & echo $! > ${file}; echo $$ >> ${file}; exec sleep 4181\n`);
      must(
        `systemd-run -q --unit=${u} -p KillMode=${mode} -p SendSIGKILL=${sigkill} -p TimeoutStopSec=2 sh /run/${u}.sh`,
      );
      const [worker, main] = await childAndMain(file);
      expect(await waitInside(`[ "$(systemctl show ${u} -p MainPID --value)" = ${main} ]`)).toBe(true);
      const r = report([String(worker)]);
      const row =
        code === 'parent.unit-main'
          ? expectRule(r, 'parent-exit', 'parent.unit-main')
          : expectRule(r, 'parent-exit', 'parent.unit-main-no-sigkill');
      expect(row.code).toBe(code);
      if (dies) expect(row.reason).toContain('TimeoutStopSec=2s later ends it');
      must(`kill ${main}`);
      // The stop is over (TimeoutStopSec=2 for the SIGTERM phase): the unit is down.
      expect(await waitInside(`! systemctl is-active -q ${u}`, 15000)).toBe(true);
      const died = await waitInside(gone(worker), dies ? 10000 : 3000);
      expectReality(row, died);
      expect(died).toBe(dies);
      sh(`kill -9 ${worker} 2>/dev/null`);
    }
  },
);

t(
  "a user service's leftover adopted by systemd --user is told that the unit's main process exit ends it, and it does",
  async () => {
    must(`loginctl enable-linger ${TEST_USER} && systemctl start user@${TEST_UID}.service`);
    const u = unit('uleft');
    const file = `/tmp/${u}.pid`;
    // A double fork: the subshell exits at once, so its sleep is adopted by the user manager (a subreaper).
    writeInside(`/tmp/${u}.sh`, `(sleep 4190 & echo $! > ${file}) ; echo $$ >> ${file}; exec sleep 4191\n`);
    must(asUser(`systemd-run --user -q --unit=${u} sh /tmp/${u}.sh`));
    const [left, main] = await childAndMain(file);
    const r = report([String(left)]);
    const row = expectRule(r, 'parent-exit', 'parent.reparented');
    expect(row.reason).toContain(`is not its main process: when its main process (pid ${main}) exits`);
    must(`kill ${main}`);
    expect(await waitInside(gone(left), 15000)).toBe(true);
  },
);

t(
  "a login session's process moved into a scope of its own (StartTransientUnit with PIDs, as systemd-run --scope does for itself) outlives the logout",
  async () => {
    must(`loginctl disable-linger ${TEST_USER}`);
    const login = new Login();
    const pid = Number(await login.run('sleep 4500 </dev/null >/dev/null 2>&1 & echo $!'));
    expect(await waitInside(`grep -q '/session-[^/]*\\.scope$' /proc/${pid}/cgroup`)).toBe(true);
    const before = report([String(pid)]);
    expectRule(before, 'session-end', 'session.kill-user-processes');
    const u = unit('moved');
    must(
      `busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' ${u}.scope fail 1 PIDs au 1 ${pid} 0`,
    );
    expect(await waitInside(`grep -q '/system.slice/${u}.scope$' /proc/${pid}/cgroup`)).toBe(true);
    const r = report([String(pid)]);
    const row = expectRule(r, 'session-end', 'session.outside');
    await login.logout();
    expect(await waitInside(`[ -z "$(loginctl list-sessions --no-legend | awk '$3 == "${TEST_USER}"')" ]`, 20000)).toBe(
      true,
    );
    await waitInside(gone(pid), 3000);
    expectReality(row, !alive(pid));
    // The scope's own stop is its end.
    must(`systemctl stop ${u}.scope`);
    expect(await waitInside(gone(pid), 15000)).toBe(true);
  },
);
