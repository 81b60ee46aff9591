/**
 * Daemonizers run by a step of an automation tool that kills the step's process group at its end: a
 * double-forked daemon (start-stop-daemon --background) and a `setsid sh -c 'cmd &'` leftover sit in a
 * session and group of a launcher that has exited: a daemon's (cwd /, stdio on /dev/null) belongs to no runner
 * (group.daemonized: survives); for a plain leftover of a session whose maker is gone /proc cannot tell a
 * detached step's from a setsid typed by hand (group.session-unowned: unknown, naming the gap), and so for
 * libslack's daemon with its client. The step's own group kill misses both. timeout keeps its command in
 * a group of its own: a kill of that group is timeout's own stop (group.keeper-group, by keeper), unless a
 * live shell shares that group (a step run under timeout: group.shares-with-runner, a threat). Each
 * step's group is killed for real.
 */
import { isAlive, procStat, waitFor } from '../helpers/processes';
import * as path from 'path';
import { killPids, tempDir } from './harness/tools';
import { killGroup, startRunner } from './harness/runner';
import { onTeardown } from './harness/teardown';
import { realitySuite } from './harness/suite';
import {
  diagnose,
  expectReality,
  expectRule,
  mechanismOf,
  outcomeOf,
  relaunched,
  startWatch,
  uniqueSleep,
} from './predict';

const { need } = realitySuite('tools-daemonizers');

/** Run `script` as a step; its leftover `sleep N`, once the step's shell has exited. */
async function leftover(
  script: string,
  n: string,
  workload: readonly string[] = ['sleep', n],
): Promise<{ pid: number; stepGroup: number }> {
  const runner = await startRunner(script, { keepAlive: true });
  await runner.shellExit;
  const pid = await relaunched(workload, []);
  onTeardown(`leftover ${pid}`, () => killPids([pid]));
  // The launcher in between (setsid's shell, the daemonizer's first fork) is gone once it is reparented.
  await waitFor(() => procStat(pid)?.ppid === 1 || !isAlive(procStat(pid)?.pgid ?? 0), 5000);
  return { pid, stepGroup: runner.pgid };
}

describe('daemonizers in a step whose group is killed at its end', () => {
  need('start-stop-daemon')(
    'start-stop-daemon --background: a double-forked daemon is no leftover of the step',
    async () => {
      const n = uniqueSleep();
      // Matched by its own pid file (not --exec: other sleeps run on the machine).
      const pidFile = path.join(tempDir('ssd'), 'pid');
      const { pid, stepGroup } = await leftover(
        `start-stop-daemon --start --background --make-pidfile --pidfile ${pidFile} --startas /bin/sleep -- ${n}`,
        n,
        ['/bin/sleep', n],
      );
      const r = diagnose(pid);
      const grp = expectRule(r, 'group-kill', 'group.daemonized');
      expect(r.verdict.status).toBe('ok');
      await killGroup(stepGroup);
      const died = await outcomeOf(pid, grp);
      expect(died).toBe(false);
      expectReality(grp, died);
    },
  );

  test("`setsid sh -c 'cmd &'`: left in a session whose leader is gone, the step's group kill misses it", async () => {
    const n = uniqueSleep();
    const { pid, stepGroup } = await leftover(`setsid sh -c 'sleep ${n} >/dev/null 2>&1 &'`, n);
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', 'group.session-unowned');
    await killGroup(stepGroup);
    const died = await outcomeOf(pid, grp);
    expect(died).toBe(false);
    expectReality(grp, died);
  });

  need('daemon')("daemon (libslack): its client is daemonized with it, out of the step's group", async () => {
    const n = uniqueSleep();
    const { pid, stepGroup } = await leftover(`daemon -- sleep ${n}`, n);
    const keeper = procStat(pid)?.ppid ?? 0;
    onTeardown(`daemon ${keeper}`, () => killPids([keeper]));
    const r = diagnose(pid);
    // Its session and group are those of daemon's first fork, gone (daemon keeps the client's stdio).
    const grp = expectRule(r, 'group-kill', 'group.session-unowned');
    expectRule(r, 'parent-exit', 'parent.stopper');
    await killGroup(stepGroup);
    const died = await outcomeOf(pid, grp);
    expect(died).toBe(false);
    expectReality(grp, died);
  });

  need('timeout')(
    "`timeout N cmd &` in a step: timeout's own group, a kill of which is its keeper's stop",
    async () => {
      const n = uniqueSleep();
      const runner = await startRunner(`timeout 100000 sleep ${n} </dev/null >/dev/null 2>&1 &`, { keepAlive: true });
      await runner.shellExit;
      const pid = await relaunched(['sleep', n], []);
      const keeper = procStat(pid)?.ppid ?? 0;
      onTeardown(`timeout ${keeper}`, () => killPids([keeper, pid]));
      const r = diagnose(pid);
      const grp = expectRule(r, 'group-kill', 'group.keeper-group');
      expect(grp.by).toBe('keeper');
      // The step's own group: timeout made a group of its own, so nothing happens.
      await killGroup(runner.pgid);
      expect(await outcomeOf(pid, { outcome: 'survives' })).toBe(false);
      // Then the keeper's group: it ends with its keeper.
      const pgid = procStat(pid)?.pgid ?? 0;
      expect(pgid).toBe(keeper);
      await killGroup(pgid);
      expectReality(grp, await outcomeOf(pid, grp));
    },
  );

  test("a daemon's child: its group is the daemon's own, whose kill is that daemon's stop (by keeper), not the step's", async () => {
    const n = uniqueSleep();
    // A program that makes a session of its own (setsid), outlives the step and starts a worker, as a daemon does.
    const runner = await startRunner(
      `setsid python3 -c 'import subprocess, sys, time; subprocess.Popen(["sleep", sys.argv[1]]); time.sleep(100000)' ${n} </dev/null >/dev/null 2>&1 &`,
      { keepAlive: true },
    );
    await runner.shellExit;
    const pid = await relaunched(['sleep', n], []);
    const daemon = procStat(pid)?.ppid ?? 0;
    onTeardown(`daemon ${daemon}`, () => killPids([daemon, pid]));
    // Its launcher (the step's shell) is gone: the daemon is reparented.
    await waitFor(() => procStat(daemon)?.ppid === 1, 5000);
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', 'group.daemon-group');
    expect(grp.by).toBe('keeper');
    expect(r.verdict.status).toBe('ok');
    // The step's group kill misses both; the daemon's own group kill ends its worker.
    await killGroup(runner.pgid);
    expect(await outcomeOf(pid, { outcome: 'survives' })).toBe(false);
    await killGroup(daemon);
    expectReality(grp, await outcomeOf(pid, grp));
  });

  need('timeout')(
    "a job under `timeout N sh -c '…'`: a live shell in timeout's group makes it a job's group, whose kill is a threat",
    async () => {
      const n = uniqueSleep();
      // What a CI step run under timeout looks like: the step's shell is alive in timeout's group.
      const runner = await startRunner(
        `timeout 100000 sh -c 'sleep ${n} </dev/null >/dev/null 2>&1 & wait' </dev/null >/dev/null 2>&1 &`,
        { keepAlive: true },
      );
      await runner.shellExit;
      const pid = await relaunched(['sleep', n], []);
      const pgid = procStat(pid)?.pgid ?? 0;
      onTeardown(`timeout group ${pgid}`, async () => void (await killGroup(pgid)));
      const r = diagnose(pid);
      const grp = expectRule(r, 'group-kill', 'group.shares-with-runner');
      expect(grp.by).toBeUndefined();
      expect(r.verdict.status).toBe('at-risk');
      await killGroup(pgid);
      expectReality(grp, await outcomeOf(pid, grp));
    },
  );
});
