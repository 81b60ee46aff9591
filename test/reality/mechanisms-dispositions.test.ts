/**
 * Signal dispositions decide what a catchable signal does (kernel/signal.c: prepare_signal drops a signal
 * the process ignores, get_signal runs its handler instead of the default action): each event whose
 * killer sends SIGTERM or SIGHUP is made to happen for real against a process that ignores or catches that
 * signal, and the prediction is held to the outcome. Also a background job in a tmux pane, whose keeper's
 * own end (kill-server) reaches it through its shell's forwarded SIGHUP.
 */
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import { isAlive, procStat, waitFor } from '../helpers/processes';
import { killGroup, startRunner } from './harness/runner';
import { localShell } from './harness/local-shell';
import { startTree } from './harness/kernel-events';
import { startTmux, tmuxAvailable } from './harness/multiplexers';
import { realitySuite, notRoot } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, relaunched, riskOf, uniqueSleep } from './predict';

const { maybe, unless } = realitySuite('mechanisms-dispositions', notRoot());

/** `sleep N` with SIGTERM ignored: `trap '' TERM` sets SIG_IGN, which exec keeps (a handler would be reset). */
const termIgnored = (n: string): string => `sh -c 'trap "" TERM; exec sleep ${n}'`;
/** python3 whose SIGTERM handler exits cleanly (the common case of a caught SIGTERM); `# n` makes argv unique. */
const termCaughtArgv = (n: string): string[] => [
  'python3',
  '-c',
  `import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); time.sleep(3600)  # ${n}`,
];
/** SigCgt has SIGTERM (bit 15): python has installed its handler. */
const catchesTerm = (pid: number): boolean => /^SigCgt:\s*[0-9a-f]*[4-7c-f][0-9a-f]{3}$/m.test(statusOf(pid));
const quoted = (argv: string[]): string => argv.map((a) => `'${a}'`).join(' ');

maybe('signal dispositions: an ignored or caught SIGTERM or SIGHUP', () => {
  test('a step leftover that ignores SIGTERM: the group kill’s SIGTERM leaves it running, the SIGKILL after it does not', async () => {
    const n = uniqueSleep();
    const runner = await startRunner(`${termIgnored(n)} &`);
    const pid = await relaunched(['sleep', n], []);
    await waitFor(() => !isAlive(runner.shellPid), 5000);
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', 'group.sigterm-ignored');
    expect(grp.reason).toMatch(/unless the killer follows with SIGKILL/);
    // The event: SIGTERM to the step's group (kill -- -PGID), nothing after it.
    process.kill(-runner.pgid, 'SIGTERM');
    const died = await outcomeOf(pid, grp);
    expect(died).toBe(false);
    expectReality(grp, died);
    // The exception it names: a killer that escalates (a runner's grace period, then SIGKILL).
    const k = await killGroup(runner.pgid, { graceMs: 500 });
    expect(k.killed).toContain(pid);
    expect(isAlive(pid)).toBe(false);
  });

  test('a step leftover that catches SIGTERM: its handler decides, and this one exits at the group kill', async () => {
    const n = uniqueSleep();
    const argv = termCaughtArgv(n);
    const runner = await startRunner(`${quoted(argv)} &`);
    const pid = await relaunched(argv, []);
    await waitFor(() => !isAlive(runner.shellPid) && catchesTerm(pid), 5000);
    const r = diagnose(pid);
    const grp = expectRule(r, 'group-kill', 'group.sigterm-caught');
    expect(grp).toMatchObject({ outcome: 'dies', confidence: 'likely' });
    expect(grp.reason).toMatch(/its own handler decides/);
    process.kill(-runner.pgid, 'SIGTERM');
    const died = await outcomeOf(pid, grp);
    expect(died).toBe(true);
    expectReality(grp, died);
  });

  test('stopped jobs whose shell exits: the one ignoring SIGTERM is resumed by the SIGCONT and runs on; the one catching it runs its handler', async () => {
    const sh = await localShell();
    const n = uniqueSleep();
    const ign = await sh.foreground(termIgnored(n), { comm: 'sleep' });
    await sh.stopForeground(ign);
    const argv = termCaughtArgv(uniqueSleep());
    const cgt = await sh.foreground(quoted(argv), { comm: 'python3' });
    await waitFor(() => catchesTerm(cgt), 5000);
    await sh.stopForeground(cgt);
    const ri = diagnose(ign);
    const rc = diagnose(cgt);
    const pi = expectRule(ri, 'parent-exit', 'parent.stopped-job-continued');
    const pc = expectRule(rc, 'parent-exit', 'parent.stopped-job-handled');
    expect(pc.reason).toMatch(/the program decides/);
    // The kernel's hangup row still holds for both: SIGHUP has its default action.
    expectRule(ri, 'terminal-hangup', 'hangup.stopped');
    await sh.exit();
    const ignDied = await outcomeOf(ign, pi);
    expectReality(pi, ignDied);
    expect(ignDied).toBe(false);
    // Resumed, not stopped: the shell's SIGCONT reached it and the kernel found nothing to SIGHUP.
    expect(procStat(ign)?.state).not.toBe('T');
    const cgtDied = await outcomeOf(cgt, { outcome: 'dies' });
    expectReality(pc, cgtDied);
    expect(cgtDied).toBe(true);
    process.kill(ign, 'SIGKILL');
  });

  test('orphaned stopped group whose member catches SIGHUP: the kernel’s SIGHUP+SIGCONT runs its handler, the program decides', async () => {
    const n = uniqueSleep();
    // The handler records that the kernel's SIGHUP came, then carries on (the program's choice).
    const py = `import os, signal, time\\nsignal.signal(signal.SIGHUP, lambda *a: open(os.environ["D"] + "/hup", "w").close())\\nwhile True: time.sleep(1)\\n# ${n}`;
    const t = startTree(
      `set -m; python3 -c "$(printf '${py}')" & c=$!; echo $c > "$D/target"; ` +
        `until grep -q '^SigCgt:.*[13579bdf]$' /proc/$c/status; do :; done; kill -STOP $c; ` +
        `echo $$ > "$D/parent"; set +m; exec sleep 3600`,
    );
    const pid = await t.pid('target');
    const parent = await t.pid('parent');
    await waitFor(() => procStat(pid)?.state === 'T' && procStat(parent)?.comm === 'sleep', 5000);
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.orphans-stopped-group-handled');
    process.kill(parent, 'SIGKILL');
    // The mechanism happened: its handler ran (SIGHUP from the kernel), and SIGCONT resumed it.
    expect(await waitFor(() => fs.existsSync(`${t.dir}/hup`), 5000)).toBe(true);
    const died = await outcomeOf(pid, pe);
    expectReality(pe, died);
    expect(died).toBe(false);
    expect(procStat(pid)?.state).not.toBe('T');
  });

  const tmux = unless(tmuxAvailable());
  tmux(
    'a background job in a tmux pane: its keeper’s end (kill-server) ends it through the shell’s forwarded SIGHUP; `exit` in the pane does not',
    async () => {
      const m = await startTmux('bash --norc --noprofile -i');
      const n = uniqueSleep();
      spawnSync(m.client[0], [...m.client.slice(1), 'send-keys', `sleep ${n} &`, 'Enter'], { env: m.env });
      const pid = await relaunched(['sleep', n], []);
      const r = diagnose(pid);
      expectRule(r, 'terminal-hangup', 'hangup.multiplexer');
      const pe = expectRule(r, 'parent-exit', 'parent.keeper-job');
      expect(pe.by).toBe('keeper');
      expect(pe.reason).toMatch(/tmux kill-server/);
      expect(r.verdict.status).toBe('ok');
      spawnSync(m.client[0], [...m.client.slice(1), 'kill-server'], { env: m.env });
      const died = await outcomeOf(pid, pe);
      expect(died).toBe(true);
      expectReality(pe, died);

      // The exception it names: the pane's shell just exits (`exit` typed in it): the job is left running.
      const m2 = await startTmux('bash --norc --noprofile -i');
      const n2 = uniqueSleep();
      spawnSync(m2.client[0], [...m2.client.slice(1), 'send-keys', `sleep ${n2} &`, 'Enter'], { env: m2.env });
      const p2 = await relaunched(['sleep', n2], []);
      expect(expectRule(diagnose(p2), 'parent-exit', 'parent.keeper-job').reason).toMatch(/`exit` typed in it/);
      spawnSync(m2.client[0], [...m2.client.slice(1), 'send-keys', 'exit', 'Enter'], { env: m2.env });
      expect(await waitFor(() => !isAlive(m2.panePid), 5000)).toBe(true);
      expect(await outcomeOf(p2, { outcome: 'survives' })).toBe(false);
      process.kill(p2, 'SIGKILL');
      await m2.stop();
    },
  );
});

function statusOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}
