/**
 * Job-control stops for real on a pty (an interactive bash held by pty-control.py): a background job that
 * writes to its terminal with `stty tostop` is stopped by SIGTTOU, one that reads from it by SIGTTIN, and ^Z
 * stops the foreground job with SIGTSTP (drivers/tty/n_tty.c, drivers/tty/tty_jobctrl.c
 * __tty_check_change). The report must say it is stopped and by which signal (stat field 52), and when its
 * shell dies without ending its jobs (SIGKILL: no SIGTERM+SIGCONT from bash), the kernel's own rule for a
 * newly orphaned group with a stopped member (kernel/exit.c kill_orphaned_pgrp) ends it.
 */
import { procStat, waitFor } from '../helpers/processes';
import { localShell } from './harness/local-shell';
import { realitySuite, notRoot } from './harness/suite';
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

const { maybe } = realitySuite('mechanisms-jobstop', notRoot('watch needs tracefs'));

const existenceOf = (pid: number): { code: string; summary: string } | undefined =>
  diagnose(pid).checks.find((c) => c.id === 'existence');

maybe('kernel: job-control stops', () => {
  test('a background job writing with `stty tostop` is stopped by SIGTTOU, one reading by SIGTTIN; killed, their shell leaves a stopped orphaned group the kernel SIGHUPs', async () => {
    const sh = await localShell();
    await sh.run('stty tostop');
    // Two jobs whose stopping process is the child of a `bash -c` in the same job (that bash, stopped with its
    // group, never collects the stop, so stat field 52 keeps the signal), and one plain job, whose stop the
    // interactive shell collects at once.
    const n = uniqueSleep();
    const writerArgv = ['sh', '-c', `echo out; exec sleep ${n}`];
    await sh.run(`bash -c 'sh -c "echo out; exec sleep ${n}" & wait' &`);
    const writer = await relaunched(writerArgv, []);
    const n2 = uniqueSleep();
    const readerArgv = ['sh', '-c', `read line </dev/tty; exec sleep ${n2}`];
    await sh.run(`bash -c 'sh -c "read line </dev/tty; exec sleep ${n2}" & wait' &`);
    const reader = await relaunched(readerArgv, []);
    const n3 = uniqueSleep();
    await sh.run(`sh -c 'echo out; exec sleep ${n3}; : job' &`);
    const job = await relaunched(['sh', '-c', `echo out; exec sleep ${n3}; : job`], []);
    const stopped = (p: number): boolean => procStat(p)?.state === 'T';
    expect(await waitFor(() => [writer, reader, job].every(stopped), 5000)).toBe(true);

    expect(existenceOf(writer)).toMatchObject({
      code: 'stopped',
      summary: expect.stringMatching(/stopped by SIGTTOU/),
    });
    expect(existenceOf(reader)).toMatchObject({
      code: 'stopped',
      summary: expect.stringMatching(/stopped by SIGTTIN/),
    });
    // The shell collected this one's stop: stopped, and no signal is claimed.
    const r = diagnose(job);
    expect(r.checks.find((c) => c.id === 'existence')).toMatchObject({
      code: 'stopped',
      summary: expect.not.stringMatching(/stopped by SIG/),
    });
    const pe = expectRule(r, 'parent-exit', 'parent.stopped-job');
    expectRule(r, 'terminal-hangup', 'hangup.stopped');

    // The shell dies without its own cleanup (SIGKILL, no SIGTERM+SIGCONT to its jobs): the kernel's rule for
    // a newly orphaned group with a stopped member (kill_orphaned_pgrp) is what ends each job.
    const w = await startWatch(job);
    process.kill(sh.shellPid, 'SIGKILL');
    const died = await outcomeOf(job, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    expect(mechanismOf(await w.result)).toBe('orphaned-group');
    expect(await outcomeOf(writer, { outcome: 'dies' })).toBe(true);
    expect(await outcomeOf(reader, { outcome: 'dies' })).toBe(true);
  });
});
