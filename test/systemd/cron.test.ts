/**
 * A cron job's leftover under a booted systemd: Debian's cron forks a child per job that makes a session of
 * its own (setsid in do_command.c) and waits for the job's shell; a `cmd &` in the job outlives both, in a
 * session whose leader is gone, inside cron.service's cgroup. Nothing is left that kills that session's group:
 * the job has ended, and Debian's cron.service stops with KillMode=process (a cron restart leaves the job's
 * processes alone). The prediction (group.session-gone, survives) is held to both events made to happen.
 * cron runs jobs at minute boundaries: the scenario waits up to ~70 s.
 */
import { must, report, sh, unavailable, unitProp, waitInside } from './harness';
import { expectReality, expectRule } from '../reality/predict';

jest.setTimeout(150000);
const skipEnv = unavailable();
const noCron = skipEnv ? null : sh('test -x /usr/sbin/cron').code === 0 ? null : 'cron is not installed inside';
const skip = skipEnv ?? noCron;
if (skip) console.log(`[systemd] cron skipped: ${skip}`);
const t = skip ? test.skip : test;

const N = 40000 + (process.pid % 9000);
const JOB = `/etc/cron.d/whydied-${process.pid}`;
const pidOf = (): number => Number(sh(`pgrep -xf 'sleep ${N}' | head -1`).stdout.trim() || 0);

afterAll(() => {
  if (!skip) sh(`rm -f ${JOB}; pkill -KILL -xf 'sleep ${N}'`);
});

t("a cron job's background leftover under cron.service survives the job's end and a cron restart", async () => {
  must('systemctl start cron.service');
  must(`printf '* * * * * root sleep ${N} &\\n' > ${JOB}`);
  expect(await waitInside(`pgrep -xf 'sleep ${N}' >/dev/null`, 75000, 500)).toBe(true);
  must(`rm -f ${JOB}`);
  const pid = pidOf();
  // The job's shell and cron's child for it exit once `sleep &` is started: the session has no leader.
  expect(await waitInside(`[ -z "$(ps -o pid= -s $(ps -o sid= -p ${pid}) | grep -vw ${pid})" ]`, 20000, 200)).toBe(
    true,
  );
  expect(sh(`grep -q 'cron.service' /proc/${pid}/cgroup`).code).toBe(0);

  const rep = report([String(pid)]);
  const row = expectRule(rep, 'group-kill', 'group.session-gone');
  expect(row.outcome).toBe('survives');
  expect(row.reason).toMatch(/cron/);

  // Events: the job ended (above); now cron itself is restarted. Debian's unit says why it survives.
  expect(unitProp('cron.service', 'KillMode')).toBe('process');
  must('systemctl restart cron.service');
  const died = await waitInside(`! kill -0 ${pid} 2>/dev/null`, 3000, 200);
  expectReality(row, died);
  expect(died).toBe(false);
});
