/**
 * busybox's shell as a launcher. `busybox sh` runs the ash applet in the same process (libbb/appletlib.c), so
 * its comm stays `busybox`; through an applet link (`sh -> busybox`) the kernel names it `sh`. Either way it is
 * an Almquist shell: interactive, it installs no SIGHUP handler and resends nothing to its jobs at a hangup or
 * at its exit. Each scenario types at a real pty (pty-control.py) and makes the event happen.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RiskEvent } from '../../src/engine/types';
import { procStat, track, waitFor, waitGone } from '../helpers/processes';
import { cleanEnv } from '../scenarios/helpers';
import { killPids } from './harness/tools';
import { onTeardown } from './harness/teardown';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, pidsWithArgv, uniqueSleep } from './predict';

const DRIVER = path.join(__dirname, 'harness', 'pty-control.py');
const need = realitySuite('tools-busybox').need('busybox');

interface PtyShell {
  shell: number;
  type(s: string): void;
  hangup(): void;
}

/** `argv` as the session leader of a new pty. */
async function ptyShell(argv: readonly string[]): Promise<PtyShell> {
  const driver = spawn('python3', [DRIVER, ...argv], {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: cleanEnv({ TERM: 'dumb', PS1: '$ ' }),
  });
  if (!driver.pid) throw new Error('could not start the pty driver');
  track(driver.pid);
  let shell = 0;
  onTeardown(`pty ${argv[0]} ${driver.pid}`, async () => {
    driver.stdin?.end();
    await killPids([shell, driver.pid ?? 0].filter((p) => p > 0));
  });
  expect(
    await waitFor(() => {
      shell = pidsWithArgv(argv).find((p) => procStat(p)?.ppid === driver.pid) ?? 0;
      return shell > 0 && (procStat(shell)?.ttyNr ?? 0) !== 0;
    }, 10000),
  ).toBe(true);
  return { shell, type: (s) => driver.stdin?.write(s), hangup: () => driver.stdin?.end() };
}

/** `sleep N &` (or in the foreground) typed at the shell; the job's pid. */
async function job(sh: PtyShell, background: boolean): Promise<number> {
  const n = uniqueSleep();
  sh.type(`sleep ${n}${background ? ' &' : ''}\n`);
  let pid = 0;
  expect(await waitFor(() => (pid = pidsWithArgv(['sleep', n])[0] ?? 0) > 0, 10000)).toBe(true);
  track(pid);
  expect(procStat(pid)?.ppid).toBe(sh.shell);
  return pid;
}

/** A job's row for `event`, decided by `code`, held to what the event then does. */
async function held(pid: number, event: RiskEvent, code: string, act: () => Promise<void>): Promise<void> {
  const row = expectRule(diagnose(pid), event, code);
  await act();
  expectReality(row, await outcomeOf(pid, row));
}

describe('busybox sh as a shell', () => {
  need('busybox sh -i: a background job outlives the hangup (hangup.shell-keeps-jobs)', async () => {
    const sh = await ptyShell(['busybox', 'sh', '-i']);
    const pid = await job(sh, true);
    const report = diagnose(pid);
    // Classified as a shell from argv[1], not from its comm `busybox`.
    const chain = report.checks.find((c) => c.id === 'parent-chain');
    expect(chain?.details?.join('\n') ?? chain?.summary).toMatch(/busybox sh -i \(interactive shell\)/);
    await held(pid, 'terminal-hangup', 'hangup.shell-keeps-jobs', async () => {
      sh.hangup();
      expect(await waitGone(sh.shell, 10000)).toBe(true);
    });
  });

  need('busybox sh -i: a foreground job dies at the hangup (the kernel signals the foreground group)', async () => {
    const sh = await ptyShell(['busybox', 'sh', '-i']);
    const pid = await job(sh, false);
    await held(pid, 'terminal-hangup', 'hangup.foreground', async () => {
      sh.hangup();
      expect(await waitGone(sh.shell, 10000)).toBe(true);
    });
  });

  need('busybox sh -i: a background job outlives the shell’s exit (ash sends its jobs nothing)', async () => {
    const sh = await ptyShell(['busybox', 'sh', '-i']);
    const pid = await job(sh, true);
    await held(pid, 'parent-exit', 'parent.reparent', async () => {
      sh.type('exit\n');
      expect(await waitGone(sh.shell, 10000)).toBe(true);
    });
  });

  need('sh -> busybox applet link: the same shell, named sh by the kernel', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-busybox-'));
    onTeardown(`rm ${dir}`, async () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.symlinkSync('/usr/bin/busybox', path.join(dir, 'sh'));
    const sh = await ptyShell([path.join(dir, 'sh'), '-i']);
    expect(procStat(sh.shell)?.comm).toBe('sh');
    const pid = await job(sh, true);
    await held(pid, 'terminal-hangup', 'hangup.shell-keeps-jobs', async () => {
      sh.hangup();
      expect(await waitGone(sh.shell, 10000)).toBe(true);
    });
  });
});
