/**
 * A MemoryMax= OOM kill and a segfault through systemd-coredump, made for real in a booted systemd 252;
 * a plain `whydied PID` names the unit, the limit or the core dump, and what systemd recorded.
 */
import { check, must, report, sh, systemdSuite, unitProp, waitInside, writeInside } from './harness';

jest.setTimeout(120000);
const { skip, t, tag, units } = systemdSuite();

afterAll(() => {
  if (skip) return;
  for (const u of units) sh(`systemctl stop ${u}.service 2>/dev/null; systemctl reset-failed ${u}.service 2>/dev/null`);
});

/** A transient service running `script` (sh), which first writes its pid (the pid it keeps: it execs). */
async function run(name: string, props: string[], script: string): Promise<{ unit: string; pid: number }> {
  const unit = `wd-${name}-${tag}`;
  units.push(unit);
  writeInside(`/run/${unit}.sh`, `echo $$ > /run/${unit}.pid\n${script}\n`);
  must(`systemd-run -q --unit=${unit} ${props.map((p) => `-p ${p}`).join(' ')} /bin/sh /run/${unit}.sh`);
  expect(await waitInside(`test -s /run/${unit}.pid`)).toBe(true);
  return { unit, pid: Number(must(`cat /run/${unit}.pid`)) };
}

t('MemoryMax= OOM kill: the unit, the kernel OOM killer in the unit cgroup, the limit, Result', async () => {
  const { unit, pid } = await run('oom', ['MemoryMax=32M'], 'exec perl -e \'$x = "a" x (300*1024*1024); sleep 100\'');
  expect(await waitInside(`systemctl is-failed -q ${unit}.service`)).toBe(true);
  // The pitfall this environment works around: with read-only v1 controllers systemd silently ignores
  // MemoryMax=, the process gets its 300 MB and sleeps instead of dying.
  expect(unitProp(`${unit}.service`, 'ExecMainStatus')).toBe('9');
  const r = report([String(pid)]);
  expect(r.verdict.status).toBe('died');
  expect(r.verdict.cause).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL' });
  expect(r.verdict.summary).toContain(`${unit}.service`);
  expect(r.verdict.summary).toContain('MemoryMax=32M');
  const su = check(r, 'systemd-unit');
  expect(su.evidence).toMatchObject({
    unit: `${unit}.service`,
    memoryMax: 32 * 1024 * 1024,
    exit: { code: 'killed', signal: 'SIGKILL' },
  });
  expect(String((su.cause?.details as { memcg?: string }).memcg)).toMatch(new RegExp(`/${unit}\\.service$`));
});

t('a segfault through systemd-coredump: core dump found, SIGSEGV, Result=core-dump', async () => {
  // A real invalid read (perl-base is in every Debian): unpack "p" of address 8.
  const { unit, pid } = await run('segv', [], 'exec perl -e \'$x = unpack("p", pack("Q", 8)); sleep 100\'');
  expect(await waitInside(`systemctl is-failed -q ${unit}.service`)).toBe(true);
  // systemd-coredump handles it asynchronously: wait for its record.
  expect(await waitInside(`coredumpctl --no-pager -q list ${pid} >/dev/null 2>&1`)).toBe(true);
  const r = report([String(pid)]);
  expect(r.verdict.status).toBe('died');
  expect(r.verdict.cause).toMatchObject({ kind: 'segfault', signal: 'SIGSEGV', source: 'journal' });
  expect(r.verdict.summary).toMatch(/dumped core|core dumped/);
  const j = check(r, 'journal');
  expect(j.code).toBe('died');
  expect(j.summary).toContain(`coredumpctl info ${pid}`);
  expect(check(r, 'systemd-unit').evidence).toMatchObject({
    unit: `${unit}.service`,
    result: 'core-dump',
    exit: { code: 'dumped', signal: 'SIGSEGV' },
  });
});
