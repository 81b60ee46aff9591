/**
 * Launchers no earlier scenario named, each run as its users run it with a child service, its survival rows
 * read, then the event made to happen. Relaying runners (tsx) and supervisors whose own stop command ends the
 * child (forever) are in the tools table, since only their code tells (parent.stopper, the keeper's end).
 * Queues (task-spooler, nq) and fork-and-wait wrappers (flock, /usr/bin/time, sg, dbus-run-session) install no
 * SIGTERM handler: their end sends the command nothing (parent.reparent), which /proc shows without a name.
 * Exec wrappers (nice, ionice, stdbuf, taskset, chrt, env) leave no process: the chain shows the real
 * launcher. byobu is tmux underneath: its server is the keeper.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { allPids, isAlive, procStat, track, waitFor } from '../helpers/processes';
import { cleanEnv } from '../scenarios/helpers';
import { launch, killPids, killSession, signal, tempDir } from './harness/tools';
import { killGroup } from './harness/runner';
import { onTeardown } from './harness/teardown';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, uniqueSleep } from './predict';

const { need, needBin } = realitySuite('tools-unnamed-launchers');

const BIN = path.join(__dirname, '..', '..', 'node_modules', '.bin');

/** Pids whose argv ends with `tail` (an interpreter's script and its arguments). */
function pidsEndingWith(tail: readonly string[]): number[] {
  const want = `\0${tail.join('\0')}\0`;
  return allPids().filter((p) => {
    try {
      return `\0${fs.readFileSync(`/proc/${p}/cmdline`, 'utf8')}`.endsWith(want);
    } catch {
      return false;
    }
  });
}

/** A node app that only waits (it never writes: its stdio's other end decides nothing). */
function nodeApp(dir: string): string {
  const app = path.join(dir, 'app.js');
  fs.writeFileSync(app, 'setInterval(() => {}, 1e6);\n');
  return app;
}

/** Launch `argv` ending in `sleep N`, read the parent-exit row (parent.reparent), SIGTERM the parent. */
async function parentEndLeavesIt(argv: string[], n: string, env: Record<string, string> = {}): Promise<void> {
  const l = await launch(argv, ['sleep', n], { env });
  try {
    const r = diagnose(l.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    signal(l.parentPid, 'SIGTERM');
    const died = await outcomeOf(l.pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
  } finally {
    await l.stop();
  }
}

describe('runners and supervisors known by their code', () => {
  needBin('tsx')('tsx watch: SIGTERM to tsx ends the app it runs; SIGKILL to tsx leaves it running', async () => {
    const dir = tempDir('tsx');
    const app = nodeApp(dir);
    const n = uniqueSleep();
    const start = async (): Promise<{ tsx: number; pid: number }> => {
      const child = spawn('setsid', [path.join(BIN, 'tsx'), 'watch', app, n], {
        stdio: 'ignore',
        cwd: dir,
        env: cleanEnv({}),
      });
      const tsx = track(child.pid ?? 0);
      onTeardown(`tsx ${tsx}`, () => killSession(tsx));
      let pid = 0;
      expect(
        await waitFor(() => (pid = pidsEndingWith([app, n]).find((p) => procStat(p)?.ppid === tsx) ?? 0) > 0, 20000),
      ).toBe(true);
      return { tsx, pid: track(pid) };
    };
    const a = await start();
    const r = diagnose(a.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.stopper');
    expect(pe.by).toBe('keeper');
    expect(pe.reason).toMatch(/tsx/);
    signal(a.tsx, 'SIGTERM');
    expectReality(pe, await outcomeOf(a.pid, pe));
    // The exception the row names: a SIGKILL of tsx relays nothing.
    const b = await start();
    onTeardown(`tsx app ${b.pid}`, () => killPids([b.pid]));
    signal(b.tsx, 'SIGKILL');
    expect(await outcomeOf(b.pid, { outcome: 'survives' })).toBe(false);
  });

  needBin('forever')(
    'forever: `forever stop` ends the app with its monitor; SIGTERM to the monitor alone leaves it running',
    async () => {
      const dir = tempDir('forever');
      const app = nodeApp(dir);
      const env = cleanEnv({ FOREVER_ROOT: path.join(dir, 'root') });
      const forever = (...args: string[]): void => {
        const r = spawnSync(path.join(BIN, 'forever'), args, { cwd: dir, env, encoding: 'utf8', timeout: 30000 });
        if (r.status !== 0) throw new Error(`forever ${args.join(' ')}: ${r.stderr}`);
      };
      onTeardown(`forever stopall ${dir}`, () => {
        spawnSync(path.join(BIN, 'forever'), ['stopall'], { cwd: dir, env, timeout: 30000 });
      });
      const start = async (n: string): Promise<{ monitor: number; pid: number }> => {
        forever('start', app, n);
        let pid = 0;
        expect(await waitFor(() => (pid = pidsEndingWith([app, n])[0] ?? 0) > 0, 20000)).toBe(true);
        track(pid);
        const monitor = track(procStat(pid)?.ppid ?? 0);
        onTeardown(`forever ${monitor}`, () => killPids([pid, monitor]));
        return { monitor, pid };
      };
      const n = uniqueSleep();
      const a = await start(n);
      const r = diagnose(a.pid);
      const pe = expectRule(r, 'parent-exit', 'parent.stopper');
      expect(pe.by).toBe('keeper');
      expect(pe.reason).toMatch(/forever stop/);
      // The monitor catches no SIGTERM: the row names that exception, which the second half makes happen.
      expect(pe.reason).toMatch(/catches no SIGTERM/);
      forever('stop', app);
      expectReality(pe, await outcomeOf(a.pid, pe));
      // SIGTERM to the monitor itself: it has no handler, dies alone, and the app runs on.
      const b = await start(uniqueSleep());
      signal(b.monitor, 'SIGTERM');
      expect(await waitFor(() => !isAlive(b.monitor), 5000)).toBe(true);
      expect(await outcomeOf(b.pid, { outcome: 'survives' })).toBe(false);
    },
  );
});

describe('queues and fork-and-wait launchers: their end sends the command nothing', () => {
  need('tsp')(
    "task-spooler: the job runs in a session of its own, and the tsp server's end leaves it running",
    async () => {
      const n = uniqueSleep();
      await parentEndLeavesIt(['tsp', 'sleep', n], n, { TS_SOCKET: path.join(tempDir('tsp'), 'socket') });
    },
  );

  need('nq')("nq: the job's waiting parent dies on SIGTERM and the job runs on", async () => {
    const n = uniqueSleep();
    await parentEndLeavesIt(['nq', 'sleep', n], n, { NQDIR: tempDir('nq') });
  });

  need('flock', 'time')(
    'flock and /usr/bin/time fork and wait: their SIGTERM leaves the command running, a kill of their group reaches it',
    async () => {
      const lock = path.join(tempDir('flock'), 'lock');
      for (const argv of [['flock', lock], ['/usr/bin/time']]) {
        const n = uniqueSleep();
        await parentEndLeavesIt([...argv, 'sleep', n], n);
        // The group the wrapper leads (setsid made it): a kill of it reaches the command.
        const m = uniqueSleep();
        const l = await launch([...argv, 'sleep', m], ['sleep', m]);
        try {
          const grp = expectRule(diagnose(l.pid), 'group-kill', 'group.member');
          await killGroup(procStat(l.pid)?.pgid ?? 0);
          expectReality(grp, await outcomeOf(l.pid, grp));
        } finally {
          await l.stop();
        }
      }
    },
  );

  need('sg', 'dbus-run-session')(
    'sg and dbus-run-session wait without relaying: SIGTERM to them leaves the command running',
    async () => {
      const n = uniqueSleep();
      // `exec` in sg's command: the shell sg runs becomes the command, so sg is its parent.
      await parentEndLeavesIt(['sg', 'nogroup', '-c', `exec sleep ${n}`], n);
      const m = uniqueSleep();
      await parentEndLeavesIt(['dbus-run-session', '--', 'sleep', m], m);
    },
  );

  need(
    'nice',
    'ionice',
    'stdbuf',
    'taskset',
    'chrt',
  )(
    'exec wrappers (nice, ionice, stdbuf, taskset, chrt, env) leave no process: the chain shows the real launcher',
    async () => {
      const n = uniqueSleep();
      // `; true`: the sh keeps running (dash would exec a last simple command).
      const l = await launch(
        ['sh', '-c', `nice -n 5 ionice -c3 stdbuf -oL taskset -c 0 chrt -o 0 env X=1 sleep ${n}; true`],
        ['sleep', n],
      );
      try {
        expect(procStat(l.parentPid)?.comm).toBe('sh');
        const r = diagnose(l.pid);
        const pe = expectRule(r, 'parent-exit', 'parent.reparent');
        expect(pe.reason).toMatch(/sh -c/);
        signal(l.parentPid, 'SIGTERM');
        const died = await outcomeOf(l.pid, pe);
        expect(died).toBe(false);
        expectReality(pe, died);
      } finally {
        await l.stop();
      }
    },
  );
});

describe('byobu', () => {
  need('byobu', 'tmux')(
    "byobu new-session -d: its tmux server keeps the program past the hangup; killing that server ends it (the keeper's end)",
    async () => {
      const n = uniqueSleep();
      const home = tempDir('byobu');
      const env = { HOME: home, BYOBU_CONFIG_DIR: home, BYOBU_BACKEND: 'tmux', TMUX_TMPDIR: home };
      const l = await launch(['byobu', 'new-session', '-d', '-s', 'w', `sleep ${n}`], ['sleep', n], { env });
      try {
        const r = diagnose(l.pid);
        expectRule(r, 'terminal-hangup', 'hangup.multiplexer');
        const pe = expectRule(r, 'parent-exit', 'parent.keeper');
        expect(pe.by).toBe('keeper');
        expect(r.verdict.status).toBe('ok');
        signal(l.parentPid, 'SIGTERM');
        expectReality(pe, await outcomeOf(l.pid, pe));
      } finally {
        await l.stop();
      }
    },
  );
});
