/**
 * Interactive shells other than bash at a hangup: `sleep N &` typed at the prompt of dash, busybox sh and
 * zsh on a real pty, then the pty master closed (the kernel hangs the terminal up: SIGHUP to the session
 * leader, as sshd does when a connection drops). bash and zsh resend SIGHUP to their jobs (hangup.shell-job);
 * the Almquist shells install no SIGHUP handler (SigCgt, read from /proc, not the name), so the shell dies and
 * its job runs on (hangup.shell-keeps-jobs). busybox's shell is classified from its applet (argv[1]), its comm
 * being `busybox`: the same Almquist shell, the same row.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import type { Report, Risk } from '../../src/engine/types';
import { procStat, track, waitFor, waitGone } from '../helpers/processes';
import { cleanEnv } from '../scenarios/helpers';
import { killPids } from './harness/tools';
import { onTeardown } from './harness/teardown';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, pidsWithArgv, uniqueSleep } from './predict';

const { need } = realitySuite('tools-unnamed-shells');

const DRIVER = path.join(__dirname, 'harness', 'pty-control.py');

/**
 * `argv` as the session leader of a new pty (pty-control.py), `sleep N &` typed at its prompt; then the
 * job's row is held to what the hangup (closing the master) does.
 */
async function jobAtHangup(argv: readonly string[], rowOf: (r: Report) => Risk, expectDeath: boolean): Promise<void> {
  const n = uniqueSleep();
  const driver = spawn('python3', [DRIVER, ...argv], {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: cleanEnv({ TERM: 'dumb' }),
  });
  if (!driver.pid) throw new Error('could not start the pty driver');
  track(driver.pid);
  let job = 0;
  onTeardown(`pty ${argv[0]} ${driver.pid}`, async () => {
    driver.stdin?.end();
    await killPids([job, driver.pid ?? 0].filter((p) => p > 0));
  });
  // The prompt may take a moment: type once the shell runs on its pty, then wait for the job.
  let shell = 0;
  expect(
    await waitFor(() => {
      shell = pidsWithArgv(argv).find((p) => procStat(p)?.ppid === driver.pid) ?? 0;
      return shell > 0 && (procStat(shell)?.ttyNr ?? 0) !== 0;
    }, 10000),
  ).toBe(true);
  driver.stdin?.write(`sleep ${n} &\n`);
  expect(await waitFor(() => (job = pidsWithArgv(['sleep', n])[0] ?? 0) > 0, 10000)).toBe(true);
  track(job);
  expect(procStat(job)?.ppid).toBe(shell);
  const r = diagnose(job);
  const row = rowOf(r);
  driver.stdin?.end();
  expect(await waitGone(shell, 10000)).toBe(true);
  const died = await outcomeOf(job, row);
  expect(died).toBe(expectDeath);
  expectReality(row, died);
}

describe('interactive shells other than bash at a hangup', () => {
  need('dash')('dash -i: a background job outlives the hangup (dash resends no SIGHUP to its jobs)', async () => {
    await jobAtHangup(['dash', '-i'], (r) => expectRule(r, 'terminal-hangup', 'hangup.shell-keeps-jobs'), false);
  });

  need('busybox')('busybox sh -i: a background job outlives the hangup', async () => {
    await jobAtHangup(
      ['busybox', 'sh', '-i'],
      (r) => expectRule(r, 'terminal-hangup', 'hangup.shell-keeps-jobs'),
      false,
    );
  });

  need('zsh')('zsh -i: a background job dies at the hangup (zsh resends SIGHUP to its jobs)', async () => {
    await jobAtHangup(['zsh', '-f', '-i'], (r) => expectRule(r, 'terminal-hangup', 'hangup.shell-job'), true);
  });
});
