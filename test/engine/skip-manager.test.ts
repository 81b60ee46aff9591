/**
 * `--skip systemd-unit` asks the service manager nothing: the cgroup model reads a service's main process
 * and KillMode (for parent.unit-main) only when the systemd-unit check runs, and the parent-exit row then
 * says what was not read (parent.unit-unread, unknown) instead of deciding without it. The reads are counted
 * at the live source's injection points, as test/source/read-gates.test.ts counts its reads.
 */
import * as fs from 'fs';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import type { RawSource, Read } from '../../src/source/types';
import { reportsForQuery } from '../../src/engine/reports-for-query';
import { builtinChecks } from '../../checks';
import type { Report } from '../../src/engine/types';
import { cleanupProcesses, procStat, startDetached, waitFor } from '../helpers/processes';

const UNIT = 'whydied-skip-demo.service';

let main: number; // the unit's main process (a shell that forked the child, then exec'd sleep)
let child: number;

beforeAll(async () => {
  main = startDetached('sh', ['-c', 'sleep 611 & exec sleep 612']);
  let found = 0;
  await waitFor(() => {
    found = childOf(main);
    return found > 0 && procStat(main)?.comm === 'sleep' && procStat(found)?.comm === 'sleep';
  });
  child = found;
}, 30000);

afterAll(() => cleanupProcesses());

function childOf(pid: number): number {
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return Number(kids.trim().split(/\s+/)[0]) || 0;
  } catch {
    return 0;
  }
}

interface Counted {
  raw: RawSource;
  /** Every systemctl argv but systemd-oomd's (the memory check's own question, asked only where oomd is installed). */
  systemctl: string[][];
}

/**
 * The live source, with the machine's processes as they are; WRITTEN: a unit test cannot boot systemd as
 * PID 1, so this source says a manager runs (/run/systemd/system), puts the child in UNIT's cgroup, and
 * answers the manager's `systemctl show` for UNIT with the real main pid (the systemd project's
 * test/systemd/services.test.ts does it all for real). Every systemctl it is asked for is counted.
 */
function counted(): Counted {
  const live = createLiveSource();
  const c: Counted = { raw: live, systemctl: [] };
  c.raw = {
    ...live,
    listDir(p) {
      return p === '/run/systemd/system' ? { ok: true, value: [] } : live.listDir(p);
    },
    readText(p) {
      return p === `/proc/${child}/cgroup` ? { ok: true, value: `0::/system.slice/${UNIT}\n` } : live.readText(p);
    },
    readTexts(paths) {
      return paths.map((p) => c.raw.readText(p));
    },
    command(argv, timeoutMs): Read<string> {
      if (argv[0] !== 'systemctl') return live.command(argv, timeoutMs);
      if (argv.includes('systemd-oomd.service')) return { ok: false, code: 'ENOENT', message: 'not here' };
      c.systemctl.push([...argv]);
      if (!argv.includes(UNIT)) return { ok: true, value: '' };
      return {
        ok: true,
        value: `Id=${UNIT}\nLoadState=loaded\nActiveState=active\nSubState=running\nMainPID=${main}\nExecMainPID=${main}\nKillMode=control-group\n`,
      };
    },
  };
  return c;
}

async function diagnose(skip: string[]): Promise<{ report: Report; systemctl: string[][] }> {
  const c = counted();
  const [report] = await reportsForQuery({
    query: String(child),
    facts: createFacts(c.raw),
    checks: builtinChecks,
    skip,
  });
  return { report, systemctl: c.systemctl };
}

const parentExit = (r: Report) => r.risks.find((x) => x.event === 'parent-exit');

test('the whole run asks the manager once (the cgroup model and the systemd-unit check share it): parent.unit-main', async () => {
  const { report, systemctl } = await diagnose([]);
  expect(systemctl).toHaveLength(1);
  expect(systemctl[0]).toEqual(expect.arrayContaining(['systemctl', 'show', UNIT]));
  expect(report.checks.find((f) => f.id === 'systemd-unit')?.code).toBe('unit-member');
  expect(report.checks.find((f) => f.id === 'cgroup')?.evidence).toMatchObject({
    unit: UNIT,
    service: { mainPid: main, killMode: 'control-group' },
  });
  expect(parentExit(report)).toMatchObject({ code: 'parent.unit-main', outcome: 'dies', by: 'keeper' });
});

test('--skip systemd-unit spawns no systemctl, and the parent-exit row says the unit was not read', async () => {
  const { report, systemctl } = await diagnose(['systemd-unit']);
  expect(systemctl).toEqual([]);
  expect(report.checks.find((f) => f.id === 'systemd-unit')).toBeUndefined();
  // The cgroup check still presents the unit; the manager's view of it is null (not asked).
  expect(report.checks.find((f) => f.id === 'cgroup')?.evidence).toMatchObject({ unit: UNIT, service: null });
  const row = parentExit(report);
  expect(row).toMatchObject({ code: 'parent.unit-unread', outcome: 'unknown' });
  expect(row?.reason).toContain(UNIT);
  expect(row?.reason).toMatch(/could not be read/);
  // A partial run never claims ok.
  expect(report.verdict.status).not.toBe('ok');
});

test('--only cgroup,parent-chain (no systemd-unit) asks nothing either', async () => {
  const c = counted();
  const [report] = await reportsForQuery({
    query: String(child),
    facts: createFacts(c.raw),
    checks: builtinChecks,
    only: ['existence', 'parent-chain', 'cgroup'],
  });
  expect(c.systemctl).toEqual([]);
  expect(parentExit(report)?.code).toBe('parent.unit-unread');
});
