/**
 * Services for real in a booted systemd 252: a live service and a transient unit are ok and name their
 * unit; after a kill -9, a non-zero exit or a crash loop, a plain `whydied PID` (and `whydied UNIT.service`)
 * says what systemd recorded.
 */
import { check, must, report, sh, unitProp, waitInside, writeInside, systemdSuite } from './harness';
import { expectReality, expectRule } from '../reality/predict';

jest.setTimeout(120000);

// Unit names unique per run: a rerun against a still-running container never meets an earlier run's units.
const { skip, t, units, unit } = systemdSuite();

afterAll(() => {
  if (skip) return;
  for (const u of units)
    sh(
      `systemctl stop ${u}.service 2>/dev/null; systemctl reset-failed ${u}.service 2>/dev/null; rm -f /run/systemd/system/${u}.service`,
    );
  sh('systemctl daemon-reload');
});

/** A unit file in /run/systemd/system, started; `script` (sh) becomes its ExecStart (no unit-file `$` escaping to get wrong). */
function startService(name: string, service: string, script?: string): void {
  if (script !== undefined) {
    writeInside(`/run/${name}.sh`, script);
    service = `ExecStart=/bin/sh /run/${name}.sh\n${service}`;
  }
  writeInside(`/run/systemd/system/${name}.service`, `[Service]\n${service}\n`);
  must(`systemctl daemon-reload && systemctl start ${name}.service`);
}

async function pidFile(file: string): Promise<number> {
  expect(await waitInside(`test -s ${file}`)).toBe(true);
  return Number(must(`tail -n 1 ${file}`));
}

t(
  'a live service is ok, names its unit, Restart=, KillMode=, MemoryMax= and that it is the main process started by PID 1',
  () => {
    const u = unit('live');
    startService(u, 'ExecStart=/usr/bin/sleep 1000\nRestart=on-failure\nKillMode=mixed\nMemoryMax=64M');
    const pid = Number(unitProp(`${u}.service`, 'MainPID'));
    expect(pid).toBeGreaterThan(1);
    const r = report([String(pid)]);
    expect(r.state).toBe('alive');
    expect(r.verdict.status).toBe('ok');
    const su = check(r, 'systemd-unit');
    expect(su.code).toBe('unit-main');
    expect(su.evidence).toMatchObject({
      unit: `${u}.service`,
      isMainProcess: true,
      restart: 'on-failure',
      killMode: 'mixed',
      memoryMax: 64 * 1024 * 1024,
    });
    expect(check(r, 'cgroup').code).toBe('service');
    // Started by the manager, not left behind by a launcher.
    const pc = check(r, 'parent-chain');
    expect(pc.code).toBe('systemd-unit');
    expect(pc.summary).not.toMatch(/Reparented to init/);
    // The unit's memory limit is real (the read-only v1 controller pitfall would leave it unlimited).
    expect(check(r, 'memory').summary).toMatch(/cgroup limit/);
  },
);

t('a systemd-run transient unit is ok and names its unit', () => {
  const u = unit('run');
  must(`systemd-run -q --unit=${u} -p Restart=always sleep 1000`);
  const pid = Number(unitProp(`${u}.service`, 'MainPID'));
  const r = report([String(pid)]);
  expect(r.verdict.status).toBe('ok');
  expect(check(r, 'systemd-unit').evidence).toMatchObject({
    unit: `${u}.service`,
    isMainProcess: true,
    restart: 'always',
  });
  expect(check(r, 'parent-chain').code).toBe('systemd-unit');
  // The unit name works as a target: it resolves to the main process.
  const byUnit = report([`${u}.service`]);
  expect(byUnit.target.pid).toBe(pid);
  expect(byUnit.state).toBe('alive');
});

t(
  'kill -9 of a service main process: whydied PID and whydied UNIT.service say killed by SIGKILL, Result=signal, no restart',
  async () => {
    const u = unit('kill');
    startService(u, 'ExecStart=/usr/bin/sleep 1000');
    const pid = Number(unitProp(`${u}.service`, 'MainPID'));
    must(`kill -9 ${pid}`);
    expect(await waitInside(`systemctl is-failed -q ${u}.service`)).toBe(true);
    for (const target of [String(pid), `${u}.service`]) {
      const r = report([target]);
      expect(r.target.pid).toBe(pid);
      expect(r.state).toBe('dead');
      expect(r.verdict.status).toBe('died');
      expect(r.verdict.cause).toMatchObject({ kind: 'signal', signal: 'SIGKILL', source: 'journal' });
      expect(r.verdict.summary).toContain(`${u}.service`);
      const su = check(r, 'systemd-unit');
      expect(su.code).toBe('unit-result');
      expect(su.evidence).toMatchObject({ unit: `${u}.service`, result: 'signal', nRestarts: 0, nextRestart: null });
      expect(su.summary).toMatch(/will not restart/);
    }
  },
);

t('a unit whose main process exits with status 3: exit code 3, Result=exit-code', async () => {
  const u = unit('exit3');
  startService(u, '', `echo $$ > /run/${u}.pid; sleep 0.3; exit 3`);
  const pid = await pidFile(`/run/${u}.pid`);
  expect(await waitInside(`systemctl is-failed -q ${u}.service`)).toBe(true);
  const r = report([String(pid)]);
  expect(r.verdict.status).toBe('died');
  expect(r.verdict.cause).toMatchObject({ kind: 'exit', exitCode: 3 });
  expect(check(r, 'systemd-unit').evidence).toMatchObject({
    unit: `${u}.service`,
    result: 'exit-code',
    exit: { code: 'exited', status: 3 },
  });
});

t('Restart=always crash loop: restart count and when it restarts next', async () => {
  const u = unit('loop');
  startService(u, 'Restart=always\nRestartSec=5s', `echo $$ >> /run/${u}.pid; echo crashing; exit 1`);
  // Wait for at least one restart and the unit waiting for the next one.
  expect(
    await waitInside(
      `[ "$(systemctl show ${u}.service -p NRestarts --value)" -ge 1 ] && [ "$(systemctl show ${u}.service -p SubState --value)" = auto-restart ]`,
      20000,
    ),
  ).toBe(true);
  const pid = Number(must(`tail -n 1 /run/${u}.pid`));
  const before = Date.now();
  const r = report([String(pid)]);
  const su = check(r, 'systemd-unit');
  expect(su.code).toBe('unit-result');
  expect(r.verdict.cause).toMatchObject({ kind: 'exit', exitCode: 1 });
  const ev = su.evidence as { nRestarts: number; nextRestart: string | null; restart: string };
  expect(ev.restart).toBe('always');
  expect(ev.nRestarts).toBeGreaterThanOrEqual(1);
  expect(ev.nextRestart).not.toBeNull();
  // Next restart is RestartSec after the exit (second precision in the manager's timestamps).
  const next = Date.parse(ev.nextRestart as string);
  expect(next).toBeGreaterThan(before - 7000);
  expect(next).toBeLessThan(before + 7000);
  expect(su.summary).toMatch(/restarted \d+ time\(s\) so far, next restart at/);

  // An earlier run's pid: the manager only remembers the last main process, the journal knows the unit from
  // its own line, and the unit result blamed on it is its own run's (before the next run logged), not the latest.
  const pids = must(`cat /run/${u}.pid`).split('\n').map(Number);
  const [first, second] = pids;
  const old = report([String(first)]);
  expect(check(old, 'systemd-unit')).toMatchObject({
    code: 'unit-known',
    evidence: { unit: `${u}.service`, foundBy: 'journal' },
  });
  expect(old.verdict.status).toBe('died');
  expect(old.verdict.cause).toMatchObject({ kind: 'exit', exitCode: 1, source: 'journal' });
  const secondSeenUs = Number(JSON.parse(must(`journalctl -q -o json -n 1 _PID=${second}`)).__REALTIME_TIMESTAMP);
  expect(Date.parse(old.verdict.cause?.time as string)).toBeLessThanOrEqual(secondSeenUs / 1000);
  must(`systemctl stop ${u}.service`);
});

t(
  "a service's child dies with its main process as KillMode says (control-group, mixed); KillMode=process leaves it",
  async () => {
    // [KillMode, the rule that must decide, whether the child must die when the main process exits]
    const cases: Array<[string, string, boolean]> = [
      ['control-group', 'parent.unit-main', true],
      ['mixed', 'parent.unit-main', true],
      ['process', 'parent.unit-main-leaves', false],
    ];
    for (const [mode, code, dies] of cases) {
      const u = unit(`km-${mode}`);
      // The child is forked first; then the shell execs the main process in its place (pid file: child, main).
      startService(
        u,
        `KillMode=${mode}`,
        `sleep 3600 & echo $! > /run/${u}.pid; echo $$ >> /run/${u}.pid; exec sleep 3601\n`,
      );
      expect(await waitInside(`[ "$(wc -l < /run/${u}.pid)" -ge 2 ]`)).toBe(true);
      const [child, main] = must(`cat /run/${u}.pid`).split('\n').map(Number);
      expect(await waitInside(`[ "$(systemctl show ${u}.service -p MainPID --value)" = ${main} ]`)).toBe(true);
      const r = report([String(child)]);
      // Each code written out: test/reality/coverage.test.ts counts the rules asserted by name.
      const row = dies
        ? expectRule(r, 'parent-exit', 'parent.unit-main')
        : expectRule(r, 'parent-exit', 'parent.unit-main-leaves');
      expect(row.code).toBe(code);
      expect(row.reason).toContain(`${u}.service`);
      if (mode === 'control-group') {
        // Without the systemd-unit check the manager is not asked (no `systemctl show`): the row says so.
        const partial = report([String(child), '--skip', 'systemd-unit']);
        const unread = expectRule(partial, 'parent-exit', 'parent.unit-unread');
        expect(unread.outcome).toBe('unknown');
        expect(unread.reason).toContain(`${u}.service`);
        expect(partial.checks.find((c) => c.id === 'cgroup')?.evidence).toMatchObject({ service: null });
        expect(partial.verdict.status).not.toBe('ok');
      }
      // The event: the main process exits (killed by hand, as a crash would end it).
      must(`kill ${main}`);
      expect(await waitInside(`! systemctl is-active -q ${u}.service`, 15000)).toBe(true);
      const died = await waitInside(`! kill -0 ${child} 2>/dev/null`, dies ? 15000 : 2000);
      expectReality(row, died);
      expect(died).toBe(dies);
      sh(`kill -9 ${child} 2>/dev/null`);
    }
  },
);
