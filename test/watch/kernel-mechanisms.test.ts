/**
 * The kernel's half of the mechanism catalogue, held to the code: every rule it names exists, every watch id
 * is a DeathMechanism, every scenario is a reality test, and mechanismOf names each from the context the
 * kernel gives (who generated the signal, with what si_code, grp and neighbours, and no syscall behind it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { kernelMechanisms } from '../../src/engine/mechanisms/kernel';
import { SURVIVAL_RULES } from '../../src/engine/survival';
import { callBehind, DEATH_MECHANISMS, mechanismOf, type MechanismContext } from '../../src/observe/derive';
import { ptraceMechanism } from '../../src/observe/ptrace-backend';
import { describeCause } from '../../src/engine/describe-cause';

function realityText(): string {
  const dir = path.join(__dirname, '..', 'reality');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

describe('kernel mechanism catalogue', () => {
  test.each(kernelMechanisms.map((m) => [m.id, m] as const))(
    '%s points at real rules, a watch id and scenarios',
    (_id, m) => {
      expect(m.family).toBe('kernel');
      expect(m.sources.length).toBeGreaterThan(0);
      const codes = new Set(SURVIVAL_RULES.map((r) => r.code));
      for (const r of m.rules) expect(codes.has(r)).toBe(true);
      if (m.watch !== null) expect(DEATH_MECHANISMS).toContain(m.watch);
      expect(m.scenarios.length).toBeGreaterThan(0);
      const text = realityText();
      // A scenario is named by its test title (test.each titles keep their %s: the key words must appear).
      for (const s of m.scenarios)
        expect(text.includes(s.replace(/^terminal key (interrupt|quit) \(.*?\)/, 'terminal key %s'))).toBe(true);
    },
  );

  test('every kernel-sent death mechanism watch can name has an entry', () => {
    const named = new Set(kernelMechanisms.map((m) => m.watch));
    for (const m of [
      'kernel-hangup',
      'session-leader-exit',
      'orphaned-group',
      'terminal-key',
      'namespace-exit',
      'parent-death-signal',
      'cgroup-kill',
      'broken-pipe',
      'oom-kill',
    ])
      expect(named.has(m)).toBe(true);
  });
});

describe('mechanismOf from the kernel context', () => {
  const victim = 500;
  const ctx = (p: Partial<MechanismContext> = {}): MechanismContext => ({
    contFollowed: false,
    grp: 1,
    siCode: 0,
    victim: { ppid: 400, pgid: 500, sid: 300, syscallsTraced: true },
    ...p,
  });
  const sshd = { pid: 100, comm: 'sshd' };

  test('SIGHUP+SIGCONT to the session leader: the terminal hung up', () => {
    const c = ctx({ contFollowed: true, victim: { ppid: 1, pgid: victim, sid: victim, syscallsTraced: true } });
    expect(mechanismOf(1, true, null, sshd, victim, c).mechanism).toBe('kernel-hangup');
  });
  test('SIGHUP+SIGCONT to a member of another group: an orphaned group', () => {
    expect(mechanismOf(1, true, null, { pid: 400, comm: 'sleep' }, victim, ctx({ contFollowed: true })).mechanism).toBe(
      'orphaned-group',
    );
  });
  test('SIGHUP alone from the exiting session leader: its foreground group', () => {
    expect(mechanismOf(1, true, null, { pid: 300, comm: 'bash' }, victim, ctx()).mechanism).toBe('session-leader-exit');
  });
  test('no context (the recorder): the generic hangup words', () => {
    expect(mechanismOf(1, true, null, sshd, victim).mechanism).toBe('kernel-hangup');
  });
  test('SIGINT and SIGQUIT from the kernel: terminal keys', () => {
    const kw = { pid: 77, comm: 'kworker/u8:1' };
    expect(mechanismOf(2, true, null, kw, victim, ctx()).mechanism).toBe('terminal-key');
    expect(mechanismOf(3, true, null, kw, victim, ctx()).mechanism).toBe('terminal-key');
  });
  test('SI_USER from the parent with no syscall: the parent-death signal; with kill() it is a kill', () => {
    const parent = { pid: 400, comm: 'sleep' };
    expect(mechanismOf(15, false, null, parent, victim, ctx()).mechanism).toBe('parent-death-signal');
    const kill = { event: 'sys_kill' as const, pid: victim, sig: 15, taskComm: 'sleep', taskPid: 400, cpu: 0, ts: 0 };
    expect(mechanismOf(15, false, kill, parent, victim, ctx()).mechanism).toBe('kill');
  });
  test('SIGKILL to the task alone (grp 0) with no syscall: cgroup.kill; not when syscalls were not traced', () => {
    const writer = { pid: 900, comm: 'bash' };
    expect(mechanismOf(9, false, null, writer, victim, ctx({ grp: 0 })).mechanism).toBe('cgroup-kill');
    const blind = ctx({ grp: 0, victim: { ppid: 400, pgid: 500, sid: 300, syscallsTraced: false } });
    expect(mechanismOf(9, false, null, writer, victim, blind).mechanism).toBe('kill');
  });
  test('only SI_USER with no call behind it is the kernel acting for someone (SI_TKILL, SI_QUEUE are calls)', () => {
    const writer = { pid: 900, comm: 'bash' };
    const parent = { pid: 400, comm: 'sleep' };
    for (const siCode of [-6, -1]) {
      expect(mechanismOf(9, false, null, writer, victim, ctx({ grp: 0, siCode })).mechanism).toBe('kill');
      expect(mechanismOf(15, false, null, parent, victim, ctx({ siCode })).mechanism).toBe('kill');
    }
  });
  test("callBehind: the sender's last call counts only when aimed at this victim", () => {
    const ev = {
      event: 'signal_generate' as const,
      sig: 9,
      errno: 0,
      code: 0,
      comm: 'sleep',
      pid: 500,
      grp: 1,
      res: 0,
    };
    const sg = { ...ev, taskComm: 'bash', taskPid: 900, cpu: 0, ts: 0 };
    const k = (pid: number, sig = 9) => ({
      event: 'sys_kill' as const,
      pid,
      sig,
      taskComm: 'bash',
      taskPid: 900,
      cpu: 0,
      ts: 0,
    });
    expect(callBehind(k(500), sg, 500, 500)).not.toBeNull();
    expect(callBehind(k(0), sg, 500, 500)).not.toBeNull();
    expect(callBehind(k(-1), sg, 500, 500)).not.toBeNull();
    expect(callBehind(k(-500), sg, 500, 500)).not.toBeNull();
    expect(callBehind(k(-500), sg, 500, null)).not.toBeNull();
    // An earlier kill of another process or group, or of another signal: not this one.
    expect(callBehind(k(777), sg, 500, 500)).toBeNull();
    expect(callBehind(k(-777), sg, 500, 500)).toBeNull();
    expect(callBehind(k(500, 15), sg, 500, 500)).toBeNull();
    const tg = {
      event: 'sys_tgkill' as const,
      tgid: 500,
      pid: 501,
      sig: 9,
      taskComm: 'x',
      taskPid: 900,
      cpu: 0,
      ts: 0,
    };
    expect(callBehind(tg, sg, 500, 500)).not.toBeNull();
    expect(callBehind({ ...tg, tgid: 600, pid: 600 }, sg, 500, 500)).toBeNull();
  });
  test('SIGPIPE from its own write', () => {
    expect(mechanismOf(13, false, null, { pid: victim, comm: 'sh' }, victim, ctx({ grp: 0 })).mechanism).toBe(
      'broken-pipe',
    );
  });
  test('the words say each mechanism', () => {
    const c = (mechanism: string, signal: string, sender = { pid: 400, comm: 'x' }): string =>
      describeCause({ kind: 'signal', signal, sender, details: { mechanism } }, victim);
    expect(c('orphaned-group', 'SIGHUP')).toMatch(/orphaned with a stopped member/);
    expect(c('terminal-key', 'SIGINT')).toMatch(/typed at its terminal/);
    expect(c('parent-death-signal', 'SIGTERM')).toMatch(/PR_SET_PDEATHSIG/);
    expect(c('cgroup-kill', 'SIGKILL')).toMatch(/cgroup\.kill/);
    expect(c('broken-pipe', 'SIGPIPE', { pid: victim, comm: 'sh' })).toMatch(/its own write/);
  });
});

describe('trace and strace lines', () => {
  test('strace alone names what si_code tells', () => {
    expect(ptraceMechanism('SIGHUP', 'SI_KERNEL', null, 5)).toBe('kernel-hangup');
    expect(ptraceMechanism('SIGINT', 'SI_KERNEL', null, 5)).toBe('terminal-key');
    expect(ptraceMechanism('SIGPIPE', 'SI_USER', 5, 5)).toBe('broken-pipe');
    expect(ptraceMechanism('SIGTERM', 'SI_USER', 4, 5)).toBeNull();
  });
});

describe('mechanismOf: a tracer’s exit and a seccomp verdict (mech-breadth)', () => {
  const victim = 500;
  const base = { ppid: 400, pgid: 500, sid: 500, syscallsTraced: true };
  const ctx = (tracer: number): MechanismContext => ({
    contFollowed: false,
    grp: 1,
    siCode: 128,
    victim: { ...base, tracer },
  });

  test('SIGKILL from the kernel in its tracer’s context is the tracer’s exit, not a namespace’s', () => {
    expect(mechanismOf(9, true, null, { pid: 400, comm: 'gdb' }, victim, ctx(400)).mechanism).toBe('tracer-exit');
    // Without a tracer the same signal stays the namespace init's exit.
    expect(mechanismOf(9, true, null, { pid: 400, comm: 'sh' }, victim, ctx(0)).mechanism).toBe('namespace-exit');
  });

  test('SIGSYS the kernel sent the process for its own call is a seccomp verdict', () => {
    expect(mechanismOf(31, true, null, { pid: victim, comm: 'app' }, victim, ctx(0)).mechanism).toBe('seccomp');
    // SIGSYS another process sent with kill() is a kill.
    expect(mechanismOf(31, false, null, { pid: 42, comm: 'kill' }, victim, ctx(0)).mechanism).toBe('kill');
  });
});
