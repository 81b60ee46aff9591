/**
 * Wrappers and job runners between a user and the program: the ones that relay their stop (sudo, su,
 * runuser, timeout, GNU parallel, make) are predicted to end the program with them (parent.stopper, a
 * keeper's death); xargs only waits, and its death leaves the program running. Each wrapper is stopped for
 * real with SIGTERM. Then a process of another user left behind by a step: the remedy relaunches it as that
 * user (never root), and it survives the step's group kill.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { procStat, waitFor } from '../helpers/processes';
import { launch, signal, tempDir } from './harness/tools';
import { killGroup, startRunner } from './harness/runner';
import { realitySuite } from './harness/suite';
import {
  diagnose,
  expectReality,
  expectRule,
  outcomeOf,
  pidsWithArgv,
  relaunched,
  riskOf,
  uniqueSleep,
} from './predict';
import { spawnSync } from 'child_process';

const { need } = realitySuite('tools-wrappers');

/** Start `argv` (ending in `sleep N`), stop its parent with SIGTERM, hold the parent-exit row to what happened. */
async function stopsWith(argv: string[], n: string, opts: { cwd?: string } = {}): Promise<void> {
  const l = await launch(argv, ['sleep', n], opts);
  try {
    const r = diagnose(l.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.stopper');
    expect(pe.by).toBe('keeper');
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
  } finally {
    await l.stop();
  }
}

describe('wrappers that relay their stop', () => {
  need('sudo')('sudo without a terminal: SIGTERM to sudo is relayed to the command', async () => {
    const n = uniqueSleep();
    await stopsWith(['sudo', '-u', 'nobody', 'sleep', n], n);
  });

  need('su')('su -c: the watching parent kills the shell when it is terminated', async () => {
    const n = uniqueSleep();
    await stopsWith(['su', 'nobody', '-s', '/bin/sh', '-c', `exec sleep ${n}`], n);
  });

  need('runuser')('runuser -u: SIGTERM to runuser ends the command', async () => {
    const n = uniqueSleep();
    await stopsWith(['runuser', '-u', 'nobody', '--', 'sleep', n], n);
  });

  need('timeout')('timeout: SIGTERM to timeout is relayed to the command', async () => {
    const n = uniqueSleep();
    await stopsWith(['timeout', '100000', 'sleep', n], n);
  });

  need('parallel')('GNU parallel: SIGTERM to parallel sends its jobs the termseq', async () => {
    const n = uniqueSleep();
    // With PARALLEL_SHELL=bash the job's `bash -c` execs the command: parallel's child is the command itself.
    await stopsWith(['env', 'PARALLEL_SHELL=/bin/bash', 'parallel', '--will-cite', 'sleep', ':::', n], n);
  });

  need('make')('make: SIGTERM to make kills its running recipe', async () => {
    const n = uniqueSleep();
    const dir = tempDir('make');
    fs.writeFileSync(path.join(dir, 'Makefile'), `all:\n\tsleep ${n}\n`);
    await stopsWith(['make', '-C', dir], n, { cwd: dir });
  });

  need('xargs')('xargs only waits: its death leaves the command running', async () => {
    const n = uniqueSleep();
    const l = await launch(['sh', '-c', `echo ${n} | exec xargs sleep`], ['sleep', n]);
    try {
      const r = diagnose(l.pid);
      const pe = expectRule(r, 'parent-exit', 'parent.reparent');
      expect(pe.reason).toMatch(/xargs only waits/);
      signal(l.parentPid, 'SIGTERM');
      const died = await outcomeOf(l.pid, pe);
      expect(died).toBe(false);
      expectReality(pe, died);
    } finally {
      await l.stop();
    }
  });
});

describe("another user's process", () => {
  need('runuser', 'setpriv')(
    "a step leaves a process of user nobody behind: the remedy relaunches it as nobody, and it survives the step's group kill",
    async () => {
      const n = uniqueSleep();
      const runner = await startRunner(`runuser -u nobody -- sh -c 'sleep ${n} </dev/null >/dev/null 2>&1 &'`, {
        keepAlive: true,
      });
      await runner.shellExit;
      const pid = await relaunched(['sleep', n], []);
      expect(procStat(pid)?.pgid).toBe(runner.pgid);
      const r = diagnose(pid);
      const grp = expectRule(r, 'group-kill', 'group.leader-gone');
      expect(r.process?.uid).toBe(65534);
      const cmd = r.remedy[0];
      expect(cmd).toMatch(/setpriv --reuid=65534 --regid=65534 --init-groups -- sleep /);
      await killGroup(runner.pgid);
      expectReality(grp, await outcomeOf(pid, grp));
      // Paste the first remedy as root would, in a directory nobody may enter (its cwd is in the command).
      const ran = spawnSync('bash', ['-c', cmd], { cwd: os.tmpdir(), encoding: 'utf8' });
      expect(ran.status).toBe(0);
      const again = await relaunched(['sleep', n], [pid]);
      expect(await waitFor(() => fs.statSync(`/proc/${again}`).uid === 65534, 3000)).toBe(true);
      const after = diagnose(again);
      expect(after.process?.uid).toBe(65534);
      const grp2 = riskOf(after, 'group-kill');
      expect(grp2.outcome).toBe('survives');
      // The same event again: a step's group is killed; the relaunched process is in a group of its own.
      const step = await startRunner(`sleep ${uniqueSleep()}`, { keepAlive: true });
      await killGroup(step.pgid);
      expect(await outcomeOf(again, grp2)).toBe(false);
      expect(pidsWithArgv(['sleep', n])).toEqual([again]);
    },
  );
});
