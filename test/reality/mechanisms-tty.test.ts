/**
 * The kernel's terminal mechanisms for real (catalogue: src/engine/mechanisms/kernel.ts): a pty hangup
 * reaching its session leader, the controlling process's exit reaching the foreground group, the
 * interrupt and quit keys, a keeper holding the pty master (dtach: recognised by what it does, not by
 * name), a `setsid` writer left on a hung-up terminal, a plain `cmd &` of an interactive shell. Each
 * prediction is held to the real outcome, `whydied watch` must name the mechanism, and the first remedy
 * is pasted and the event repeated.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { descendantsOf, isAlive, procStat, waitFor } from '../helpers/processes';
import { localShell } from './harness/local-shell';
import { onPty, runRemedy, soleWithArgv } from './harness/kernel-events';
import { onTeardown } from './harness/teardown';
import { realitySuite, notRoot } from './harness/suite';
import {
  diagnose,
  expectReality,
  expectRule,
  mechanismOf,
  outcomeOf,
  relaunched,
  riskOf,
  startWatch,
  uniqueSleep,
} from './predict';

const { maybe, unless } = realitySuite('mechanisms-tty', notRoot('watch needs tracefs'));

maybe('kernel: terminal mechanisms', () => {
  test('tty hangup: the session leader of a pty gets SIGHUP+SIGCONT when the master closes; relaunched detached it stays', async () => {
    const n = uniqueSleep();
    const t = await onPty(['sleep', n], 'sleep');
    const r = diagnose(t.pid);
    const hup = expectRule(r, 'terminal-hangup', 'hangup.session-leader');
    expect(r.verdict.status).toBe('at-risk');
    const w = await startWatch(t.pid);
    t.hangup();
    const died = await outcomeOf(t.pid, hup);
    expect(died).toBe(true);
    expectReality(hup, died);
    expect(mechanismOf(await w.result)).toBe('kernel-hangup');
    // Repeat: the same program on a new pty, the remedy pasted, that pty hung up.
    const t2 = await onPty(['sleep', `${n}1`], 'sleep');
    runRemedy(r);
    const fixed = await relaunched(['sleep', n], [t.pid]);
    const after = diagnose(fixed);
    expectRule(after, 'terminal-hangup', 'hangup.no-tty');
    t2.hangup();
    expect(await outcomeOf(fixed, riskOf(after, 'terminal-hangup'))).toBe(false);
  });

  test('session-leader exit: the controlling process dies and the kernel SIGHUPs the foreground group', async () => {
    const n = uniqueSleep();
    // bash -c without job control: its child stays in its group, the terminal's foreground group.
    const t = await onPty(['bash', '--norc', '-c', `sleep ${n}; true`], 'bash');
    let pid = 0;
    await waitFor(
      () =>
        (pid =
          (require('../helpers/processes') as typeof import('../helpers/processes'))
            .descendantsOf(t.pid)
            .find((p) => procStat(p)?.comm === 'sleep') ?? 0) > 0,
      5000,
    );
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.controlling-foreground');
    expectRule(r, 'terminal-hangup', 'hangup.foreground');
    const w = await startWatch(pid);
    process.kill(t.pid, 'SIGKILL');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    expect(mechanismOf(await w.result)).toBe('session-leader-exit');
    runRemedy(r);
    const fixed = await relaunched(['sleep', n], [pid]);
    const after = diagnose(fixed);
    expect(riskOf(after, 'parent-exit').outcome).toBe('survives');
    expect(riskOf(after, 'terminal-hangup').outcome).toBe('survives');
    expect(isAlive(fixed)).toBe(true);
  });

  test.each([
    ['interrupt (^C)', '\x03'],
    ['quit (^\\)', '\x1c'],
  ])(
    'terminal key %s: the tty layer signals the foreground group; relaunched detached the key does not reach it',
    async (_name, key) => {
      const sh = await localShell();
      const n = uniqueSleep();
      const pid = await sh.foreground(`sleep ${n}`, { comm: 'sleep' });
      const r = diagnose(pid);
      const hup = expectRule(r, 'terminal-hangup', 'hangup.foreground');
      const w = await startWatch(pid);
      sh.type(key);
      const died = await outcomeOf(pid, hup);
      expect(died).toBe(true);
      expect(mechanismOf(await w.result)).toBe('terminal-key');
      // Pasted at the same prompt, then the key typed again.
      await sh.run(r.remedy[0]);
      const fixed = await relaunched(['sleep', n], [pid]);
      expectRule(diagnose(fixed), 'terminal-hangup', 'hangup.no-tty');
      sh.type(key);
      await sh.run('true');
      expect(await outcomeOf(fixed, { outcome: 'survives' })).toBe(false);
      await sh.exit();
    },
  );

  const noDtach = spawnSync('dtach', ['--help'], { stdio: 'ignore' }).error ? 'dtach not installed' : null;
  unless(noDtach)(
    'a keeper by what it does: dtach holds the pty master, the user hangup does not reach its program; the keeper ending does',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-dtach-'));
      onTeardown(`dtach dir ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
      const sh = await localShell();
      const n = uniqueSleep();
      await sh.run(`dtach -n ${dir}/s sleep ${n}`);
      const pid = await relaunched(['sleep', n], []);
      const keeper = procStat(pid)?.ppid ?? 0;
      onTeardown(`dtach ${keeper}`, () => {
        for (const p of [pid, keeper].filter(isAlive)) process.kill(p, 'SIGKILL');
      });
      const r = diagnose(pid);
      const hup = expectRule(r, 'terminal-hangup', 'hangup.multiplexer');
      expect(hup.reason).toMatch(/dtach .*a daemon in a session of its own/);
      await sh.hangup();
      expectReality(hup, await outcomeOf(pid, hup));
      // The keeper's own end closes the master: a real hangup of the program it kept.
      const w = await startWatch(pid);
      process.kill(keeper, 'SIGKILL');
      expect(await outcomeOf(pid, { outcome: 'dies' })).toBe(true);
      expect(mechanismOf(await w.result)).toBe('kernel-hangup');
    },
  );

  test('`setsid writer &` left writing to a hung-up terminal: unknown (EIO, the program decides), its fds are a hung-up terminal, not a deleted file', async () => {
    const sh = await localShell();
    const n = uniqueSleep();
    // A shell loop whose echo fails with EIO and carries on, and a python one whose print raises and exits.
    await sh.run(`setsid sh -c 'while :; do echo x; sleep 0.2; done; : ${n}' &`);
    await sh.run(`setsid python3 -c 'import time
while True: print("x", flush=True); time.sleep(0.2)
# ${n}' &`);
    const shPid = await soleWithArgv(['sh', '-c', `while :; do echo x; sleep 0.2; done; : ${n}`], []);
    const pyPid = await soleWithArgv(
      ['python3', '-c', `import time\nwhile True: print("x", flush=True); time.sleep(0.2)\n# ${n}`],
      [],
    );
    const rs = diagnose(shPid);
    const rp = diagnose(pyPid);
    const hs = expectRule(rs, 'terminal-hangup', 'hangup.writes-to-terminal');
    const hp = expectRule(rp, 'terminal-hangup', 'hangup.writes-to-terminal');
    expect(hs.outcome).toBe('unknown');
    const w = await startWatch(pyPid);
    await sh.hangup();
    const shDied = await outcomeOf(shPid, hs);
    const pyDied = await outcomeOf(pyPid, { outcome: 'dies' });
    expectReality(hs, shDied);
    expectReality(hp, pyDied);
    // The program decided: the shell loop carries on, python exits on its failed print.
    expect(shDied).toBe(false);
    expect(pyDied).toBe(true);
    const wc = await w.result;
    expect(wc?.kind).toBe('exit');
    // After the hangup: a hung-up terminal, already.
    const later = diagnose(shPid);
    const stdio = later.checks.find((c) => c.id === 'stdio');
    expect(stdio?.code).toBe('hung-up-tty');
    expect(expectRule(later, 'terminal-hangup', 'hangup.writes-to-terminal').reason).toMatch(/already hung up/);
    runRemedy(rs);
    const fixed = await soleWithArgv(['sh', '-c', `while :; do echo x; sleep 0.2; done; : ${n}`], [shPid]);
    expectRule(diagnose(fixed), 'terminal-hangup', 'hangup.no-tty');
  });

  test('plain `cmd &` of an interactive shell: dies (likely) at hangup, the disown exception named; the remedy at the prompt survives', async () => {
    const sh = await localShell();
    const n = uniqueSleep();
    const pid = await sh.background(`sleep ${n}`, { comm: 'sleep' });
    const r = diagnose(pid);
    const hup = expectRule(r, 'terminal-hangup', 'hangup.shell-job');
    expect(hup).toMatchObject({ outcome: 'dies', confidence: 'likely' });
    expect(hup.reason).toMatch(/unless the job was disowned.*jobs -l/);
    const w = await startWatch(pid);
    await sh.hangup();
    const died = await outcomeOf(pid, hup);
    expect(died).toBe(true);
    expectReality(hup, died);
    expect(mechanismOf(await w.result)).toBe('shell-forwarded-hangup');
    const sh2 = await localShell();
    await sh2.run(r.remedy[0]);
    const fixed = await relaunched(['sleep', n], [pid]);
    await sh2.hangup();
    expect(await outcomeOf(fixed, { outcome: 'survives' })).toBe(false);
  });
});
