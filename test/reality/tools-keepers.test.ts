/**
 * Terminal keepers: dtach, tmux and screen hold the pty of the program they run. The user's terminal going
 * away does not reach the program (hangup.multiplexer: survives); the keeper's own end does (parent.keeper:
 * dies, `by: keeper`, and the verdict stays ok). sudo with its own pty (use_pty) keeps the command's
 * terminal too: killing sudo, even with SIGKILL, hangs that terminal up.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { procStat, track } from '../helpers/processes';
import { localShell } from './harness/local-shell';
import { screenAvailable, startScreen, startTmux, tmuxAvailable } from './harness/multiplexers';
import { killPids, missingTool, signal, tempDir } from './harness/tools';
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

const { need, unless } = realitySuite('tools-keepers');

/** sudo with `Defaults use_pty` (Debian 12's shipped sudoers): the command gets a pty of sudo's. */
function sudoPty(): string | null {
  const missing = missingTool('sudo');
  if (missing) return missing;
  const r = spawnSync('sudo', ['-l'], { encoding: 'utf8' });
  return /use_pty/.test(r.stdout ?? '') ? null : 'sudoers does not set use_pty';
}

/** `dtach -n SOCK sleep N` typed in an interactive shell on a local pty; the program and its master. */
async function dtachUnderShell(): Promise<{ pid: number; master: number; hangup: () => Promise<void> }> {
  const dir = tempDir('dtach');
  const n = uniqueSleep();
  const sh = await localShell();
  await sh.run(`dtach -n ${path.join(dir, 'sock')} sleep ${n} </dev/null`);
  const pid = await relaunched(['sleep', n], []);
  const master = track(procStat(pid)?.ppid ?? 0);
  onTeardown(`dtach master ${master}`, () => killPids([master, pid]));
  return { pid, master, hangup: () => sh.hangup() };
}

describe('keepers of a terminal', () => {
  need('dtach')("dtach -n: the program outlives the user's terminal hanging up", async () => {
    const d = await dtachUnderShell();
    expect(procStat(d.master)?.comm).toBe('dtach');
    const r = diagnose(d.pid);
    const hup = expectRule(r, 'terminal-hangup', 'hangup.multiplexer');
    expect(hup.reason).toMatch(/dtach/);
    const pe = expectRule(r, 'parent-exit', 'parent.keeper');
    expect(pe.by).toBe('keeper');
    await d.hangup();
    expectReality(hup, await outcomeOf(d.pid, hup));
  });

  need('dtach')("dtach: the master's end hangs up the program's terminal", async () => {
    const d = await dtachUnderShell();
    const r = diagnose(d.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.keeper');
    expect(pe.outcome).toBe('dies');
    const w = await startWatch(d.pid);
    signal(d.master, 'SIGTERM');
    expectReality(pe, await outcomeOf(d.pid, pe));
    // The master's exit closes the pty master: the kernel's hangup ends it.
    expect(mechanismOf(await w.result)).toBe('kernel-hangup');
  });

  unless(tmuxAvailable())('tmux kill-server: the pane dies with its server', async () => {
    const n = uniqueSleep();
    const t = await startTmux(`exec sleep ${n}`);
    const r = diagnose(t.panePid);
    const pe = expectRule(r, 'parent-exit', 'parent.keeper');
    expect(pe.by).toBe('keeper');
    expect(r.verdict.status).toBe('ok');
    expect(r.verdict.summary).toMatch(/its own keeper/);
    spawnSync(t.client[0], [...t.client.slice(1), 'kill-server'], { env: t.env });
    expectReality(pe, await outcomeOf(t.panePid, pe));
    await t.stop();
  });

  unless(screenAvailable())('screen quit: the window dies with its server', async () => {
    const n = uniqueSleep();
    const s = await startScreen(`exec sleep ${n}`);
    const r = diagnose(s.panePid);
    const pe = expectRule(r, 'parent-exit', 'parent.keeper');
    spawnSync(s.client[0], [...s.client.slice(1), '-X', 'quit'], { env: s.env });
    expectReality(pe, await outcomeOf(s.panePid, pe));
    await s.stop();
  });

  unless(sudoPty())('sudo with its own pty: SIGKILL to sudo still hangs up the command', async () => {
    const n = uniqueSleep();
    const sh = await localShell();
    await sh.background(`sudo -u nobody sleep ${n} </dev/null >/dev/null 2>&1`, { comm: 'sudo' });
    const pid = await relaunched(['sleep', n], []);
    const monitor = procStat(pid)?.ppid ?? 0;
    const top = procStat(monitor)?.ppid ?? 0;
    track(monitor);
    track(top);
    onTeardown(`sudo ${top}`, () => killPids([top, monitor, pid]));
    expect(procStat(top)?.comm).toBe('sudo');
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.stopper');
    expect(pe.by).toBe('keeper');
    signal(top, 'SIGKILL');
    expectReality(pe, await outcomeOf(pid, pe));
    await sh.close();
  });
});
