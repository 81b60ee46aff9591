/**
 * watch(1) (procps-ng 4.0.2) as a launcher, typed at a real bash prompt on a local pty. watch forks a child
 * that runs the command through system() (`sh -c`), reads the command's stdout and stderr from a pipe until
 * EOF, and catches SIGHUP, SIGINT and SIGTERM only to restore the screen and exit (die -> endwin_exit): it
 * never signals its children. The command runs in watch's own process group, the terminal's foreground group.
 */
import { procStat, track, waitFor } from '../helpers/processes';
import { localShell } from './harness/local-shell';
import { signal } from './harness/tools';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, pidsWithArgv, uniqueSleep } from './predict';

const need = realitySuite('tools-watch').need('watch');

/** `watch -n 60 CMD` in the foreground of a fresh bash; the job `sleep N` the command starts, and watch's pid. */
async function watchRunning(cmd: (n: string) => string): Promise<{
  sh: Awaited<ReturnType<typeof localShell>>;
  job: number;
  watch: number;
  n: string;
}> {
  const n = uniqueSleep();
  const sh = await localShell();
  const watch = await sh.foreground(`watch -t -n 60 ${JSON.stringify(cmd(n))}`, { comm: 'watch' });
  let job = 0;
  expect(await waitFor(() => (job = pidsWithArgv(['sleep', n])[0] ?? 0) > 0, 10000)).toBe(true);
  track(job);
  return { sh, job, watch, n };
}

describe('watch(1) as a launcher', () => {
  need('watch CMD: its command is in the terminal’s foreground group, and a hangup ends it', async () => {
    const { sh, job } = await watchRunning((n) => `sleep ${n}; true`);
    const report = diagnose(job);
    const row = expectRule(report, 'terminal-hangup', 'hangup.foreground');
    await sh.hangup();
    expectReality(row, await outcomeOf(job, row));
  });

  need('watch CMD: a kill of watch’s process group ends its command', async () => {
    const { watch, job } = await watchRunning((n) => `sleep ${n}; true`);
    const report = diagnose(job);
    const row = expectRule(report, 'group-kill', 'group.shares-with-runner');
    process.kill(-(procStat(watch)?.pgid ?? watch), 'SIGTERM');
    expectReality(row, await outcomeOf(job, row));
  });

  need(
    'watch CMD: SIGTERM to watch and to its forked child leaves the command running (watch only exits; it signals no child)',
    async () => {
      const { watch, job } = await watchRunning((n) => `sleep ${n}; true`);
      // watch's forked child (comm watch) waits in system() for `sh -c`, which waits for the command.
      const sh = procStat(job)?.ppid ?? 0;
      const child = procStat(sh)?.ppid ?? 0;
      expect(procStat(child)?.comm).toBe('watch');
      expect(procStat(child)?.ppid).toBe(watch);
      const report = diagnose(job);
      const row = expectRule(report, 'parent-exit', 'parent.reparent');
      signal(watch, 'SIGTERM');
      signal(child, 'SIGTERM');
      expect(await waitFor(() => procStat(watch) === null || procStat(watch)?.state === 'Z', 5000)).toBe(true);
      expectReality(row, await outcomeOf(job, row));
    },
  );

  need('watch ’CMD &’: the background command stays in watch’s foreground group and dies at a hangup', async () => {
    const { sh, job } = await watchRunning((n) => `sleep ${n} &`);
    // sh -c exits at once; the job is reparented but still in watch's group, the terminal's foreground.
    expect(await waitFor(() => procStat(job)?.ppid !== undefined && procStat(job)?.ppid !== 0, 5000)).toBe(true);
    const report = diagnose(job);
    const row = expectRule(report, 'terminal-hangup', 'hangup.foreground');
    await sh.hangup();
    expectReality(row, await outcomeOf(job, row));
  });
});
