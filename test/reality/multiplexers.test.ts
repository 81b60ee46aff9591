/**
 * tmux and screen started from an SSH login, as people keep work alive: the connection drops and the
 * login shell exits, and the pane's process must still be there. The multiplexer server is the pane's
 * keeper, not a launcher about to exit.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { descendantsOf, isAlive, waitFor, waitGone } from '../helpers/processes';
import { sshdAvailable, startSshd, type Sshd } from './harness/sshd';
import { sshLogin } from './harness/login';
import { onTeardown, uniqueName } from './harness/teardown';
import { realitySuite } from './harness/suite';
import { screenAvailable, tmuxAvailable } from './harness/multiplexers';
import { diagnose, expectReality, expectRule, outcomeOf, relaunched, uniqueSleep } from './predict';

const { skip, maybe, unless } = realitySuite('multiplexers', sshdAvailable());
let sshd: Sshd;

beforeAll(async () => {
  if (!skip) sshd = await startSshd();
});
/** The multiplexer's server (pane's parent) gets killed with everything under it at teardown. */
function cleanupServer(paneParent: number, quit: () => void): void {
  onTeardown(`multiplexer server ${paneParent}`, async () => {
    const all = [paneParent, ...descendantsOf(paneParent)];
    quit();
    if (!(await waitGone(all, 3000))) for (const p of all.filter(isAlive)) process.kill(p, 'SIGKILL');
  });
}

maybe('a multiplexer started over SSH', () => {
  const tmux = unless(tmuxAvailable());
  const screen = unless(screenAvailable());

  tmux('`tmux new -d cmd`: survives the dropped connection and the shell exiting', async () => {
    const sockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-tmux-'));
    onTeardown(`tmux dir ${sockDir}`, () => fs.rmSync(sockDir, { recursive: true, force: true }));
    const sock = path.join(sockDir, 'sock');
    const n = uniqueSleep();
    const sh = await sshLogin(sshd);
    await sh.run(`tmux -S ${sock} new -d 'exec sleep ${n}'`);
    const pid = await relaunched(['sleep', n], []);
    const server = (await import('../helpers/processes')).procStat(pid)?.ppid ?? 0;
    cleanupServer(server, () => void spawnSync('tmux', ['-S', sock, 'kill-server']));
    const r = diagnose(pid);
    const hup = expectRule(r, 'terminal-hangup', 'hangup.multiplexer');
    // The server is its keeper: its own end would take the pane (test/reality/tools-keepers), no threat.
    const pe = expectRule(r, 'parent-exit', 'parent.keeper');
    expect(pe.by).toBe('keeper');
    expectRule(r, 'group-kill', 'group.own-group');
    expect(r.verdict.status).toBe('ok');
    expect(r.remedy).toEqual([]);
    await sh.drop();
    const died = await outcomeOf(pid, hup);
    expectReality(hup, died);
    // A second login attaches nothing and exits: still there.
    const again = await sshLogin(sshd);
    await again.exit();
    expect(await outcomeOf(pid, hup)).toBe(false);
  });

  screen('`screen -dmS name cmd`: survives the dropped connection', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-screen-'));
    fs.chmodSync(dir, 0o700);
    onTeardown(`screen dir ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
    const name = uniqueName('whydied');
    const n = uniqueSleep();
    const sh = await sshLogin(sshd);
    await sh.run(`SCREENDIR=${dir} screen -dmS ${name} sleep ${n}`);
    const pid = await relaunched(['sleep', n], []);
    await waitFor(() => (diagnose(pid).process?.tty ?? null) !== null, 3000);
    const server = (await import('../helpers/processes')).procStat(pid)?.ppid ?? 0;
    cleanupServer(
      server,
      () => void spawnSync('screen', ['-S', name, '-X', 'quit'], { env: { ...process.env, SCREENDIR: dir } }),
    );
    const r = diagnose(pid);
    const hup = expectRule(r, 'terminal-hangup', 'hangup.multiplexer');
    expectRule(r, 'parent-exit', 'parent.keeper');
    await sh.drop();
    expectReality(hup, await outcomeOf(pid, hup));
  });
});
