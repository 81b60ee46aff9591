/**
 * Memory on a pure cgroup v2 host, made real in the VM: memory.high throttling with swap, a MemoryMax
 * kernel OOM kill, and a systemd-oomd memory-pressure kill; each answer checked against what happened
 * (the wrong answers: "ok, 16% of limit" for a throttled process, a pressure kill predicted to
 * survive, "(OOM kill) (MemoryMax=...)" and "no record" for oomd's kill, one kill listed as several deaths).
 */
import {
  aliveInside,
  expectRule,
  check,
  mainPid,
  must,
  report,
  risk,
  sh,
  TAG,
  unavailable,
  waitInside,
  whydied,
  writeInside,
} from './harness';
import type { Report } from '../../src/engine/types';

jest.setTimeout(300000);

const skip = unavailable();
if (skip) console.log(`[v2vm] skipped: ${skip}`);
const t = skip ? test.skip : test;

// hog MB [touch]: hold MB of memory; with `touch`, keep writing to every page (a working set that cannot fit
// under a small memory.high, so the kernel throttles it and pushes pages to swap). perl: the image has no python.
const HOG = `#!/usr/bin/perl
my $n = $ARGV[0] * 1024 * 1024; my $x = "a" x $n; $| = 1; print "held\\n";
if ($ARGV[1]) { my $i = 0; while (1) { substr($x, $i, 1) = "b"; $i = ($i + 4096) % $n; } }
sleep 100000;
`;

const units: string[] = [];
// No dash: a dash in a slice's name makes it a child slice (wd-x.slice lives in wd.slice).
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
    'rm -f /run/systemd/system/wd*.slice /etc/systemd/oomd.conf.d/50-whydied-test.conf; systemctl daemon-reload; systemctl restart systemd-oomd',
  );
});

type ScanDeath = { pid: number | null; name: string; what: string; source: string; alsoIn: string[] };
function scanDeaths(r: { stdout: string }): ScanDeath[] {
  return (JSON.parse(r.stdout) as { deaths: ScanDeath[] }).deaths;
}

t(
  'memory.high with swap: throttled, not "ok": the row is undecided and names the killers; it really survives',
  async () => {
    const u = unit('high');
    must(`systemd-run -q --unit=${u} -p MemoryHigh=40M -p MemoryMax=300M hog 100 touch`);
    const pid = await mainPid(`${u}.service`);
    // Throttled for real: its cgroup reached memory.high, swapped, and stalls (the kernel's own counters).
    const cg = `/sys/fs/cgroup/system.slice/${u}.service`;
    expect(
      await waitInside(
        `test $(cat ${cg}/memory.swap.current) -gt 10000000 && awk '/^some/ { split($2, a, "="); exit !(a[2] >= 1) }' ${cg}/memory.pressure`,
        60000,
        1000,
      ),
    ).toBe(true);
    const r = report([String(pid)]);
    const row = expectRule(r, 'memory-pressure', 'memory.high-throttled');
    expect(row.outcome).toBe('unknown');
    expect(row.reason).toMatch(/memory\.high 40 MiB/);
    expect(row.reason).toMatch(
      /kernel OOM killer when \/system\.slice\/wdhigh\d+\.service reaches memory\.max 300 MiB/,
    );
    const mem = check(r, 'memory');
    expect(mem.code).toBe('throttled');
    const ev = mem.evidence as unknown as {
      v2: { events: { high: number }; swapCurrentBytes: number; pressure: { someAvg10: number } };
    };
    expect(ev.v2.events.high).toBeGreaterThan(0);
    expect(ev.v2.swapCurrentBytes).toBeGreaterThan(0);
    expect(r.verdict.status).not.toBe('ok');
    // What happened: throttled, still alive (memory.high never kills).
    expect(aliveInside(pid)).toBe(true);
    must(`systemctl stop ${u}.service`);
  },
);

t('MemoryMax kernel OOM kill: the kernel OOM killer with the limit, one death in scan', async () => {
  const u = unit('max');
  must(`systemd-run -q --unit=${u} -p MemoryMax=30M -p MemorySwapMax=0 hog 100`);
  expect(await waitInside(`test "$(systemctl show ${u}.service -p Result --value)" = oom-kill`, 60000, 500)).toBe(true);
  const pid = Number(must(`systemctl show ${u}.service -p ExecMainPID --value`));
  const r = report([String(pid)]);
  expect(r.state).toBe('dead');
  expect(r.verdict.cause).toMatchObject({ kind: 'oom-kill' });
  expect(r.verdict.summary).toMatch(/kernel OOM killer/);
  expect(r.verdict.summary).not.toMatch(/systemd-oomd/);
  // One kill, one entry: the kernel's line, the unit's "killed by the OOM killer" and its exit are the same death.
  const mine = scanDeaths(whydied(['scan'])).filter((e) => e.pid === pid || e.name === `${u}.service`);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({ pid, source: 'kernel-log' });
  expect(mine[0].alsoIn).toContain('journal');
});

t('systemd-oomd pressure kill: predicted before, told as oomd (not MemoryMax) after, one death in scan', async () => {
  // A slice oomd watches with a low limit (as an admin sets one), and a duration long enough to see it coming.
  const slice = unit('oomd');
  writeInside(
    `/run/systemd/system/${slice}.slice`,
    '[Slice]\nManagedOOMMemoryPressure=kill\nManagedOOMMemoryPressureLimit=12%\n',
  );
  must('mkdir -p /etc/systemd/oomd.conf.d');
  writeInside('/etc/systemd/oomd.conf.d/50-whydied-test.conf', '[OOM]\nDefaultMemoryPressureDurationSec=25s\n');
  must('systemctl daemon-reload && systemctl restart systemd-oomd');
  const u = unit('victim');
  must(`systemd-run -q --unit=${u} --slice=${slice}.slice -p MemoryHigh=12M -p MemoryMax=400M hog 100 touch`);
  const pid = await mainPid(`${u}.service`);
  // Before: the row reads oomd's watch and the pressure over its limit.
  let before: Report | null = null;
  const end = Date.now() + 90000;
  while (Date.now() < end && aliveInside(pid)) {
    const r = whydied([String(pid)]).reports[0];
    if (r && r.state === 'alive' && risk(r, 'memory-pressure').code === 'memory.oomd-pressure') {
      before = r;
      break;
    }
  }
  expect(before).not.toBeNull();
  const row = expectRule(before as Report, 'memory-pressure', 'memory.oomd-pressure');
  expect(row.outcome).toBe('dies');
  expect(row.reason).toMatch(new RegExp(`systemd-oomd watches /${slice}\\.slice \\(`));
  expect(row.reason).toMatch(/12% limit: held for 25 s/);
  // What happened: oomd killed it (its own line and the manager's; Result=oom-kill).
  expect(await waitInside(`test "$(systemctl show ${u}.service -p Result --value)" = oom-kill`, 120000, 1000)).toBe(
    true,
  );
  expect(
    must(`journalctl -b -q --no-pager SYSLOG_IDENTIFIER=systemd-oomd | grep -c 'Killed /${slice}.slice/${u}.service'`),
  ).not.toBe('0');
  const after = report([String(pid)]);
  expect(after.state).toBe('dead');
  expect(after.verdict.cause).toMatchObject({ kind: 'oom-kill', sender: { comm: 'systemd-oomd' } });
  expect(after.verdict.summary).toMatch(/systemd-oomd/);
  expect(after.verdict.summary).not.toMatch(/MemoryMax/);
  expect(check(after, 'journal').code).toBe('died');
  const su = check(after, 'systemd-unit');
  expect(su.summary).toMatch(/systemd-oomd/);
  expect(su.summary).not.toMatch(/MemoryMax/);
  expect(su.cause?.source).toBe('systemd');
  // One kill, one death: oomd's line, "systemd-oomd killed 1 process(es)", the exit and the slice's lines merge.
  const entries = scanDeaths(whydied(['scan'])).filter((e) => e.name.includes(u) || e.name.includes(slice));
  expect(entries).toHaveLength(1);
  expect(entries[0].what).toMatch(/systemd-oomd/);
});

t("Debian's oomd defaults are read: a user manager's unit is watched through user@UID.service at 50%", async () => {
  must('loginctl enable-linger alice');
  try {
    expect(await waitInside('systemctl is-active user@1000.service', 30000)).toBe(true);
    const u = unit('user');
    const asAlice = (cmd: string): string => must(`su -s /bin/sh alice -c 'XDG_RUNTIME_DIR=/run/user/1000 ${cmd}'`);
    asAlice(`systemd-run -q --user --unit=${u} sleep 1000`);
    const pid = Number(asAlice(`systemctl --user show ${u} -p MainPID --value`));
    expect(pid).toBeGreaterThan(1);
    const r = report([String(pid)]);
    const mem = check(r, 'memory');
    const ev = mem.evidence as unknown as { oomd: { watches: { unit: string; limitPct: number }[] } };
    expect(ev.oomd.watches).toEqual(
      expect.arrayContaining([expect.objectContaining({ unit: 'user@1000.service', limitPct: 50 })]),
    );
    expect(risk(r, 'memory-pressure').reason).toMatch(
      /systemd-oomd when memory pressure of \/user\.slice\/user-1000\.slice\/user@1000\.service/,
    );
    asAlice(`systemctl --user stop ${u}`);
  } finally {
    sh('loginctl disable-linger alice');
  }
});

t(
  'memory remedy on v2: systemctl set-property, pasted as root, raises MemoryMax and keeps it where a memory.max write is undone',
  async () => {
    const u = unit('remedy');
    must(`systemd-run -q --unit=${u} -p MemoryMax=100M -p MemorySwapMax=0 hog 60`);
    const pid = await mainPid(`${u}.service`);
    const cg = `/sys/fs/cgroup/system.slice/${u}.service`;
    expect(await waitInside(`test $(cat ${cg}/memory.current) -gt 60000000`, 30000)).toBe(true);
    const r = report([String(pid)]);
    expect(risk(r, 'memory-pressure')).toMatchObject({ code: 'memory.majority', outcome: 'dies' });
    const first = r.remedy[0];
    expect(first).toBe(`systemctl set-property ${u}.service MemoryMax=${200 * 1048576}`);
    must(first);
    expect(must(`cat ${cg}/memory.max`)).toBe(String(200 * 1048576));
    // systemd re-applies a unit's limits at daemon-reload: a direct write to memory.max would be undone, this stays.
    must('systemctl daemon-reload');
    expect(must(`cat ${cg}/memory.max`)).toBe(String(200 * 1048576));
    expect(aliveInside(pid)).toBe(true);
    const again = report([String(pid)]);
    expect(risk(again, 'memory-pressure').outcome).not.toBe('dies');
    must(`systemctl stop ${u}.service`);
  },
);
