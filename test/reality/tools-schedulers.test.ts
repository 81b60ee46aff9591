/**
 * cron and atd start jobs and only wait for them: a job's background server is not at risk from "the
 * runner kills the group" (group.scheduler-job while the scheduler leads the group, as atd does;
 * group.session-gone once the session cron's child made for the job has no leader left and cron's unit holds it;
 * group.session-unowned, unknown, where no cgroup tells cron's session from a detached step's). The real daemons
 * run (ours when none runs, else the running one), the job ends, our daemon itself is stopped, and the
 * server must still be there.
 * cron runs jobs at minute boundaries: those scenarios wait up to ~70 s.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isAlive, procStat, waitFor } from '../helpers/processes';
import { killPids, signal, startAtd, startCronJob, tempDir } from './harness/tools';
import { onTeardown, uniqueName } from './harness/teardown';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, pidsWithArgv, relaunched, uniqueSleep } from './predict';

realitySuite('tools-schedulers');

describe('atd', () => {
  test("an at job's background server is in atd's group, and atd never kills it", async () => {
    const atd = await startAtd();
    if (typeof atd === 'string') {
      console.log(`tools-schedulers: atd skipped: ${atd}`);
      return;
    }
    const n = uniqueSleep();
    const r0 = spawnSync('at', ['now'], { input: `sleep ${n} &\n`, encoding: 'utf8' });
    expect(r0.status).toBe(0);
    const job = /job (\d+)/.exec(r0.stderr ?? '')?.[1];
    if (job) onTeardown(`at job ${job}`, () => void spawnSync('atrm', [job]));
    const pid = await relaunched(['sleep', n], []);
    onTeardown(`at server ${pid}`, () => killPids([pid]));
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', 'group.scheduler-job');
    expect(grp.reason).toMatch(/atd/);
    // The job's shell has ended; then atd itself is stopped: nothing kills the job's group.
    if (atd.ours) signal(atd.pid, 'SIGTERM');
    const died = await outcomeOf(pid, grp);
    expect(died).toBe(false);
    expectReality(grp, died);
  });
});

/**
 * A job's session outlives its leader: on a systemd host cron.service's cgroup shows whose job it was
 * (group.session-gone, survives); elsewhere nothing in /proc tells cron's session from an automation tool's
 * detached step, and the row says so (group.session-unowned, unknown, naming the gap).
 */
function sessionRule(r: ReturnType<typeof diagnose>): string {
  const cg = r.checks.find((c) => c.id === 'cgroup') as { evidence?: { unit?: string | null } } | undefined;
  return /^(cron|crond)\.service$/.test(cg?.evidence?.unit ?? '') ? 'group.session-gone' : 'group.session-unowned';
}

describe('cron', () => {
  const dir = tempDir('cron');
  const quiet = uniqueSleep();
  const chatty = uniqueSleep();
  let cron: { pid: number; ours: boolean } | string = 'not started';

  beforeAll(async () => {
    // Once each: a flag file keeps the next minutes' runs from starting another copy (cmd ends in `&`).
    const once = (flag: string, cmd: string): string =>
      `* * * * * root [ -e ${path.join(dir, flag)} ] || { touch ${path.join(dir, flag)}; ${cmd} }`;
    cron = await startCronJob(uniqueName('whydied-tools'), [
      once('quiet', `sleep ${quiet} >/dev/null 2>&1 &`),
      once('chatty', `sleep ${chatty} &`),
    ]);
  });

  /** Both jobs are started at the same minute boundary. */
  async function server(n: string): Promise<number | null> {
    if (typeof cron === 'string') {
      console.log(`tools-schedulers: cron skipped: ${cron}`);
      return null;
    }
    await waitFor(() => pidsWithArgv(['sleep', n]).length > 0, 75000, 250);
    const pid = await relaunched(['sleep', n], []);
    onTeardown(`cron server ${pid}`, () => killPids([pid]));
    return pid;
  }

  test("a cron job's server with its output redirected: left in the session cron's child made, nobody kills it", async () => {
    const pid = await server(quiet);
    if (pid === null) return;
    // The job's shell has exited: its group's leader is gone.
    await waitFor(() => !isAlive(procStat(pid)?.pgid ?? 0), 5000);
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', sessionRule(r));
    const died = await outcomeOf(pid, grp);
    expectReality(grp, died);
  }, 120000);

  test("a cron job's server whose output cron mails: cron stopped too, nothing kills the job's group", async () => {
    const pid = await server(chatty);
    if (pid === null) return;
    // Debian's cron collects a job's output in a temp file (not a pipe), so its child does not wait on it.
    await waitFor(() => !isAlive(procStat(pid)?.pgid ?? 0), 5000);
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', sessionRule(r));
    // cron itself is stopped too: still nothing kills the job's group.
    if (typeof cron !== 'string' && cron.ours) signal(cron.pid, 'SIGTERM');
    const died = await outcomeOf(pid, grp);
    expect(died).toBe(false);
    expectReality(grp, died);
    expect(fs.existsSync(path.join(dir, 'chatty'))).toBe(true);
  }, 120000);
});
