/**
 * Limits set above the process, made real in the VM: a slice's memory.high throttles a service that has no
 * limit of its own, a slice's memory.max OOM-kills the biggest process under it (chosen among the whole
 * slice, not the service), and systemd-oomd's swap kill (Debian's ManagedOOMSwap=kill on -.slice) takes the
 * cgroup using the most swap, and its memory-pressure watch on user@UID.service (Debian's drop-in) kills a user
 * unit. The memory row must name the cgroup whose limit binds and the killer that acts.
 */
import {
  aliveInside,
  check,
  expectRule,
  mainPid,
  must,
  report,
  risk,
  sh,
  TAG,
  unavailable,
  waitInside,
  writeInside,
} from './harness';

jest.setTimeout(300000);

const skip = unavailable();
if (skip) console.log(`[v2vm] skipped: ${skip}`);
const t = skip ? test.skip : test;

// The same hog as memory.test.ts: hold MB; with `touch`, keep writing every page (throttled under memory.high).
const HOG = `#!/usr/bin/perl
my $n = $ARGV[0] * 1024 * 1024; my $x = "a" x $n; $| = 1; print "held\\n";
if ($ARGV[1]) { my $i = 0; while (1) { substr($x, $i, 1) = "b"; $i = ($i + 4096) % $n; } }
sleep 100000;
`;

const units: string[] = [];
// No dash in the names: a dash makes a slice a child slice.
function unit(name: string): string {
  const u = `wd${name}${TAG}`;
  units.push(u);
  return u;
}

beforeAll(() => {
  if (skip) return;
  writeInside('/usr/local/bin/hog', HOG);
  must('chmod 755 /usr/local/bin/hog');
});

afterAll(() => {
  if (skip) return;
  for (const u of units)
    sh(`systemctl stop ${u}.service ${u}.slice 2>/dev/null; systemctl reset-failed ${u}.service 2>/dev/null`);
  sh(
    'rm -rf /run/systemd/system/wd*.slice /etc/systemd/system.control/wd*.slice.d /etc/systemd/oomd.conf.d/50-whydied-swap.conf; systemctl daemon-reload; systemctl restart systemd-oomd',
  );
});

function slice(name: string, props: string): string {
  const s = unit(name);
  writeInside(`/run/systemd/system/${s}.slice`, `[Slice]\n${props}\n`);
  must('systemctl daemon-reload');
  return s;
}

t("a slice's memory.high throttles a service without limits: the row names the slice, and it survives", async () => {
  const s = slice('hs', 'MemoryHigh=40M\nMemoryMax=400M');
  const u = unit('hsvc');
  must(`systemd-run -q --unit=${u} --slice=${s}.slice hog 100 touch`);
  const pid = await mainPid(`${u}.service`);
  const cg = `/sys/fs/cgroup/${s}.slice/${u}.service`;
  // The service has no memory.high of its own: the slice's holds it (the kernel's counters say so).
  expect(must(`cat ${cg}/memory.high`)).toBe('max');
  expect(
    await waitInside(
      `test $(cat ${cg}/memory.swap.current) -gt 10000000 && awk '/^some/ { split($2, a, "="); exit !(a[2] >= 1) }' ${cg}/memory.pressure`,
      90000,
      1000,
    ),
  ).toBe(true);
  const r = report([String(pid)]);
  const row = expectRule(r, 'memory-pressure', 'memory.high-throttled');
  expect(row.reason).toMatch(new RegExp(`memory\\.high 40 MiB \\(set on /${s}\\.slice;`));
  expect(check(r, 'memory').code).toBe('throttled');
  expect(aliveInside(pid)).toBe(true);
  must(`systemctl stop ${u}.service`);
});

t("a slice's memory.max: the biggest under the slice is predicted to die, and the kernel kills it there", async () => {
  const s = slice('ms', 'MemoryMax=80M\nMemorySwapMax=0');
  const big = unit('msbig');
  must(`systemd-run -q --unit=${big} --slice=${s}.slice hog 50`);
  const pid = await mainPid(`${big}.service`);
  const cg = `/sys/fs/cgroup/${s}.slice/${big}.service`;
  expect(await waitInside(`test $(cat ${cg}/memory.current) -gt 50000000`, 60000, 500)).toBe(true);
  // The service has no limit; its slice's binds: the domain is the slice (before, "host" and a share of 2 GiB).
  expect(must(`cat ${cg}/memory.max`)).toBe('max');
  const r = report([String(pid)]);
  const row = expectRule(r, 'memory-pressure', 'memory.majority');
  expect(row.outcome).toBe('dies');
  expect(row.reason).toMatch(new RegExp(`of its memory cgroup /${s}\\.slice's memory limit`));
  expect(row.reason).toMatch(new RegExp(`kernel OOM killer when /${s}\\.slice reaches memory\\.max 80 MiB`));
  // What happens: another service in the slice fills the rest; the kernel's OOM killer acts at the slice and
  // picks the biggest process under it.
  const other = unit('msother');
  must(`systemd-run -q --unit=${other} --slice=${s}.slice hog 40`);
  expect(await waitInside(`test "$(systemctl show ${big}.service -p Result --value)" = oom-kill`, 90000, 1000)).toBe(
    true,
  );
  expect(aliveInside(pid)).toBe(false);
  expect(Number(must(`awk '/^oom_kill / { print $2 }' /sys/fs/cgroup/${s}.slice/memory.events`))).toBeGreaterThan(0);
  const after = report([String(pid)]);
  expect(after.verdict.cause).toMatchObject({ kind: 'oom-kill' });
  expect(after.verdict.summary).toMatch(/kernel OOM killer/);
});

t("a slice's memory.max binds: the fix raises the slice's MemoryMax, pasted it holds the next fill", async () => {
  const s = slice('mf', 'MemoryMax=80M\nMemorySwapMax=0');
  const big = unit('mfbig');
  must(`systemd-run -q --unit=${big} --slice=${s}.slice hog 50`);
  const pid = await mainPid(`${big}.service`);
  const cg = `/sys/fs/cgroup/${s}.slice/${big}.service`;
  expect(await waitInside(`test $(cat ${cg}/memory.current) -gt 50000000`, 60000, 500)).toBe(true);
  const r = report([String(pid)]);
  expectRule(r, 'memory-pressure', 'memory.majority');
  // The service's own MemoryMax is unset: raising it would change nothing; the slice's is the one.
  const fix = r.remedy.find((c) => c.includes('set-property'));
  expect(fix).toBe(`systemctl set-property ${s}.slice MemoryMax=167772160`);
  must(fix as string);
  expect(must(`cat /sys/fs/cgroup/${s}.slice/memory.max`)).toBe('167772160');
  // The same fill that OOM-killed it above: now both fit.
  const other = unit('mfother');
  must(`systemd-run -q --unit=${other} --slice=${s}.slice hog 40`);
  const ocg = `/sys/fs/cgroup/${s}.slice/${other}.service`;
  expect(await waitInside(`test $(cat ${ocg}/memory.current) -gt 40000000`, 60000, 500)).toBe(true);
  expect(aliveInside(pid)).toBe(true);
  expect(must(`awk '/^oom_kill / { print $2 }' /sys/fs/cgroup/${s}.slice/memory.events`)).toBe('0');
});

t("systemd-oomd's swap kill (ManagedOOMSwap=kill on -.slice): predicted by name, then oomd kills it", async () => {
  expect(must('systemctl show -p ManagedOOMSwap --value -- -.slice')).toBe('kill');
  const u = unit('swap');
  must(`systemd-run -q --unit=${u} -p MemoryHigh=16M -p MemoryMax=400M hog 120 touch`);
  const pid = await mainPid(`${u}.service`);
  const cg = `/sys/fs/cgroup/system.slice/${u}.service`;
  // 60 MB in swap: past 5% of the 768 MiB swap file, far below oomd's default 90%.
  expect(await waitInside(`test $(cat ${cg}/memory.swap.current) -gt 60000000`, 150000, 1000)).toBe(true);
  const calm = report([String(pid)]);
  expect(risk(calm, 'memory-pressure').code).not.toBe('memory.oomd-swap');
  expect(risk(calm, 'memory-pressure').reason).toMatch(
    /systemd-oomd when memory use and swap use both pass 90% \(ManagedOOMSwap=kill on -\.slice/,
  );
  // An admin lowers SwapUsedLimit. whydied reads oomd's configuration files; oomd reads them when it restarts:
  // between the two, the answer is the one oomd is about to act on.
  must('mkdir -p /etc/systemd/oomd.conf.d');
  writeInside('/etc/systemd/oomd.conf.d/50-whydied-swap.conf', '[OOM]\nSwapUsedLimit=5%\n');
  try {
    const r = report([String(pid)]);
    const row = expectRule(r, 'memory-pressure', 'memory.oomd-swap');
    expect(row.outcome).toBe('dies');
    expect(row.reason).toMatch(/ManagedOOMSwap=kill on -\.slice\) once memory use and swap use both pass 5%/);
    expect(row.reason).toMatch(/its cgroup holds \d+% of the swap in use/);
    expect(aliveInside(pid)).toBe(true);
    must('systemctl restart systemd-oomd');
    expect(await waitInside(`test "$(systemctl show ${u}.service -p Result --value)" = oom-kill`, 120000, 1000)).toBe(
      true,
    );
    expect(
      must(
        `journalctl -b -q --no-pager SYSLOG_IDENTIFIER=systemd-oomd | grep -c 'Killed /system.slice/${u}.service due to memory used'`,
      ),
    ).not.toBe('0');
    const after = report([String(pid)]);
    expect(after.verdict.cause).toMatchObject({ kind: 'oom-kill', sender: { comm: 'systemd-oomd' } });
  } finally {
    sh('rm -f /etc/systemd/oomd.conf.d/50-whydied-swap.conf; systemctl restart systemd-oomd');
  }
});

t(
  "oomd's watch on user@UID.service (Debian's drop-in, limit lowered by an admin's): a user unit under pressure is predicted to die, and oomd kills it",
  async () => {
    // Debian's systemd-oomd package: ManagedOOMMemoryPressure=kill at 50% on user@.service. An admin's drop-in
    // on top lowers the limit (what whydied reads is the manager's merged value either way).
    must('mkdir -p /run/systemd/system/user@.service.d /etc/systemd/oomd.conf.d');
    writeInside(
      '/run/systemd/system/user@.service.d/50-whydied-test.conf',
      '[Service]\nManagedOOMMemoryPressureLimit=10%\n',
    );
    writeInside('/etc/systemd/oomd.conf.d/50-whydied-user.conf', '[OOM]\nDefaultMemoryPressureDurationSec=25s\n');
    must('systemctl daemon-reload && systemctl restart systemd-oomd && loginctl enable-linger alice');
    try {
      expect(await waitInside('systemctl is-active user@1000.service', 60000)).toBe(true);
      expect(must('systemctl show -p ManagedOOMMemoryPressure --value user@1000.service')).toBe('kill');
      const u = unit('uhog');
      const asAlice = (cmd: string): string => must(`su -s /bin/sh alice -c 'XDG_RUNTIME_DIR=/run/user/1000 ${cmd}'`);
      asAlice(`systemd-run -q --user --unit=${u} -p MemoryHigh=12M hog 100 touch`);
      const pid = Number(asAlice(`systemctl --user show ${u} -p MainPID --value`));
      expect(pid).toBeGreaterThan(1);
      let row: ReturnType<typeof risk> | null = null;
      const end = Date.now() + 120000;
      while (Date.now() < end && aliveInside(pid)) {
        const r = report([String(pid)]);
        if (r.state !== 'alive') break;
        if (risk(r, 'memory-pressure').code === 'memory.oomd-pressure') {
          row = expectRule(r, 'memory-pressure', 'memory.oomd-pressure');
          break;
        }
      }
      expect(row).not.toBeNull();
      expect(row?.outcome).toBe('dies');
      expect(row?.reason).toMatch(
        /systemd-oomd watches \/user\.slice\/user-1000\.slice\/user@1000\.service \(user@1000\.service: ManagedOOMMemoryPressure=kill\)/,
      );
      expect(row?.reason).toMatch(/10% limit: held for 25 s/);
      // What happened: oomd killed the user unit (its own line names the cgroup under user@1000.service).
      expect(
        await waitInside(
          `journalctl -b -q --no-pager SYSLOG_IDENTIFIER=systemd-oomd | grep -qE 'Killed /user.slice/user-1000.slice/user@1000.service/([a-z.-]+/)?${u}.service due to memory pressure'`,
          120000,
          1000,
        ),
      ).toBe(true);
      expect(await waitInside(`! kill -0 ${pid} 2>/dev/null`, 20000)).toBe(true);
      // After: told as oomd's kill (its line names the cgroup; the user manager's unit is not the system's).
      const after = report([String(pid)]);
      expect(after.state).toBe('dead');
      expect(after.verdict.cause).toMatchObject({ kind: 'oom-kill', sender: { comm: 'systemd-oomd' } });
    } finally {
      sh(
        'loginctl disable-linger alice; rm -f /run/systemd/system/user@.service.d/50-whydied-test.conf /etc/systemd/oomd.conf.d/50-whydied-user.conf; systemctl daemon-reload; systemctl restart systemd-oomd',
      );
    }
  },
);
