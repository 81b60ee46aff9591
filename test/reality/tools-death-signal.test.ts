/**
 * Launchers that give the child they start a parent-death signal (prctl PR_SET_PDEATHSIG), read from their own
 * source and made to happen with the real tools: `unshare --fork --kill-child` (util-linux) and
 * `bwrap --die-with-parent` (bubblewrap), which also gives itself one, so the sandbox dies with whoever started
 * bwrap. /proc shows no death signal: whydied reads it from the launcher's argv (the tools table), and each
 * prediction is checked by ending that launcher (or its parent) for real, SIGKILL included.
 */
import { procStat } from '../helpers/processes';
import { launch, missingTool, signal } from './harness/tools';
import { notRoot, realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, uniqueSleep } from './predict';

// bwrap as root needs no user namespace; unshare --fork needs no privilege for --kill-child alone.
const { need, unless } = realitySuite('tools-death-signal');
const BWRAP = ['bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];

const bwrapGate = notRoot('bwrap without a user namespace') ?? missingTool('bwrap');

/**
 * `sh -c 'LAUNCHER... sleep N & wait'`: the shell is the launcher's parent, as a script or a login shell would
 * be. `shell` is the first ancestor that is not the launcher (bwrap --unshare-pid is two: its monitor, its pid 1).
 */
async function under(launcher: readonly string[]) {
  const n = uniqueSleep();
  const cmd = [...launcher, 'sleep', n].join(' ');
  const l = await launch(['sh', '-c', `${cmd} & wait`], ['sleep', n]);
  const wrapper = l.parentPid;
  let shell = procStat(wrapper)?.ppid ?? 0;
  while (shell > 1 && procStat(shell)?.comm === launcher[0]) shell = procStat(shell)?.ppid ?? 0;
  expect(procStat(shell)?.comm).toBe('sh');
  return { l, wrapper, shell };
}

describe('launchers that give their child a parent-death signal', () => {
  need('unshare')('unshare --fork --kill-child: a SIGKILL of unshare kills its command, by its keeper', async () => {
    const { l, wrapper } = await under(['unshare', '--fork', '--kill-child']);
    expect(procStat(wrapper)?.comm).toBe('unshare');
    const r = diagnose(l.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.death-signal');
    expect(pe).toMatchObject({ outcome: 'dies', by: 'keeper' });
    expect(pe.reason).toContain('SIGKILL');
    signal(wrapper, 'SIGKILL');
    const died = await outcomeOf(l.pid, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    await l.stop();
  });

  need('unshare')('unshare --fork without --kill-child: a SIGKILL of unshare leaves its command running', async () => {
    const { l, wrapper } = await under(['unshare', '--fork']);
    const r = diagnose(l.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    expect(pe.outcome).toBe('survives');
    signal(wrapper, 'SIGKILL');
    const died = await outcomeOf(l.pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
    await l.stop();
  });

  unless(bwrapGate)(
    'bwrap --die-with-parent: when the shell that started bwrap exits, the sandbox and its command are SIGKILLed',
    async () => {
      const { l, shell } = await under([...BWRAP, '--die-with-parent']);
      const r = diagnose(l.pid);
      const pe = expectRule(r, 'parent-exit', 'parent.death-signal-chain');
      expect(pe.outcome).toBe('dies');
      expect(pe.by).toBeUndefined();
      expect(pe.reason).toContain(`(pid ${shell}) exits`);
      signal(shell, 'SIGKILL');
      const died = await outcomeOf(l.pid, pe);
      expect(died).toBe(true);
      expectReality(pe, died);
      await l.stop();
    },
  );

  unless(bwrapGate)(
    'bwrap --unshare-pid --die-with-parent: its pid 1 and monitor both die with the launcher, and the command with them',
    async () => {
      const { l, wrapper, shell } = await under([...BWRAP, '--unshare-pid', '--die-with-parent']);
      // The command's parent is bwrap's pid 1 in the new namespace; its parent, the monitor; then the shell.
      const monitor = procStat(wrapper)?.ppid ?? 0;
      expect(procStat(monitor)?.comm).toBe('bwrap');
      const r = diagnose(l.pid);
      const pe = expectRule(r, 'parent-exit', 'parent.death-signal-chain');
      expect(pe.reason).toContain(`(pid ${shell}) exits`);
      signal(shell, 'SIGTERM');
      const died = await outcomeOf(l.pid, pe);
      expect(died).toBe(true);
      expectReality(pe, died);
      await l.stop();
    },
  );

  unless(bwrapGate)(
    'bwrap without --die-with-parent: the shell that started it exits and the command runs on',
    async () => {
      const { l, shell } = await under(BWRAP);
      const r = diagnose(l.pid);
      const pe = expectRule(r, 'parent-exit', 'parent.reparent');
      expect(pe.outcome).toBe('survives');
      signal(shell, 'SIGKILL');
      const died = await outcomeOf(l.pid, pe);
      expect(died).toBe(false);
      expectReality(pe, died);
      await l.stop();
    },
  );
});
