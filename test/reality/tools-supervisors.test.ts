/**
 * Supervisors, each the real tool from the distribution: the supervised process is predicted to end with
 * its supervisor's stop (parent.stopper, `by: keeper`, not a threat), the supervisor is stopped the way its
 * manual says, and the process must really be gone; a supervisor that does not stop its service on its own
 * end (daemontools' supervise) must leave it running.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { launch, serviceDir, signal, tempDir } from './harness/tools';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, mechanismOf, outcomeOf, startWatch, uniqueSleep } from './predict';

const { need, needBin } = realitySuite('tools-supervisors');

const PM2 = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'pm2');

/** The shared check: the keeper's stop is predicted as a keeper's death, and the verdict does not count it. */
function expectKeeperStop(pid: number): ReturnType<typeof expectRule> {
  const r = diagnose(pid);
  const pe = expectRule(r, 'parent-exit', 'parent.stopper');
  expect(pe.outcome).toBe('dies');
  expect(pe.by).toBe('keeper');
  expect(r.risks.filter((x) => x.outcome === 'dies' && x.by !== 'keeper').length > 0).toBe(
    r.verdict.status === 'at-risk',
  );
  return pe;
}

describe('supervisors stop what they supervise when they are stopped', () => {
  need('supervisord')('supervisord: stopping supervisord stops its program', async () => {
    const dir = tempDir('supervisord');
    const n = uniqueSleep();
    const conf = path.join(dir, 'supervisord.conf');
    fs.writeFileSync(
      conf,
      [
        '[supervisord]',
        'nodaemon=true',
        `logfile=${dir}/supervisord.log`,
        `pidfile=${dir}/supervisord.pid`,
        `childlogdir=${dir}`,
        '[program:job]',
        `command=sleep ${n}`,
        'autorestart=true',
        'stopwaitsecs=2',
        '',
      ].join('\n'),
    );
    const l = await launch(['supervisord', '-c', conf], ['sleep', n]);
    const pe = expectKeeperStop(l.pid);
    expect(pe.reason).toMatch(/supervisord/);
    const w = await startWatch(l.pid);
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
    // watch names the supervisor's own kill of it.
    const cause = await w.result;
    expect(mechanismOf(cause)).toBe('kill');
    expect(cause?.sender?.comm).toMatch(/supervisord|python/);
    await l.stop();
  });

  need('runsv')('runit runsv: SIGTERM to runsv takes its service down', async () => {
    const n = uniqueSleep();
    const svc = serviceDir(['sleep', n]);
    const l = await launch(['runsv', svc], ['sleep', n]);
    const pe = expectKeeperStop(l.pid);
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
    await l.stop();
  });

  need('s6-supervise')('s6-supervise: SIGTERM brings the service down (as s6-svc -xd)', async () => {
    const n = uniqueSleep();
    const svc = serviceDir(['sleep', n]);
    const l = await launch(['s6-supervise', svc], ['sleep', n]);
    const pe = expectKeeperStop(l.pid);
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
    await l.stop();
  });

  need('supervise')('daemontools supervise: its own end sends the service nothing; it keeps running', async () => {
    const n = uniqueSleep();
    const svc = serviceDir(['sleep', n]);
    const l = await launch(['supervise', svc], ['sleep', n]);
    const r = diagnose(l.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    expect(pe.reason).toMatch(/only waits for its children/);
    signal(l.parentPid, 'SIGTERM');
    const died = await outcomeOf(l.pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
    await l.stop();
  });

  need('daemon')('daemon (libslack): SIGTERM to daemon is propagated to its client', async () => {
    const n = uniqueSleep();
    const l = await launch(['daemon', '--', 'sleep', n], ['sleep', n]);
    const pe = expectKeeperStop(l.pid);
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
    await l.stop();
  });

  needBin('pm2')('pm2: `pm2 kill` stops its apps with the God daemon', async () => {
    const home = tempDir('pm2');
    const env = { PM2_HOME: home };
    const n = uniqueSleep();
    const pm2 = (...args: string[]): void => {
      const r = spawnSync(process.execPath, [PM2, ...args], { env: { ...process.env, ...env }, timeout: 60000 });
      if (r.status !== 0) throw new Error(`pm2 ${args.join(' ')}: ${r.stderr}`);
    };
    // `pm2 start` forks the God daemon (in a session of its own) and returns.
    const l = await launch(
      [process.execPath, PM2, 'start', '/bin/sleep', '--name', 'whydied', '--', n],
      ['/bin/sleep', n],
      {
        env,
      },
    );
    try {
      const pe = expectKeeperStop(l.pid);
      expect(pe.reason).toMatch(/PM2|pm2/);
      pm2('kill');
      expectReality(pe, await outcomeOf(l.pid, pe));
    } finally {
      await l.stop();
    }
  });
});
