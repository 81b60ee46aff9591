/**
 * cgroup v2 memory files and systemd-oomd's settings as the v2 VM (Debian 12, kernel 6.1, systemd 252)
 * printed them (copied from a real run of test/v2vm; the VM tests read them live).
 */
import { parseMemoryEvents, parsePsi, readMemoryV2 } from '../../src/source/memory-v2';
import { parseLimitPct } from '../../src/source/systemd/oomd';
import { journalEvent, parseJournal } from '../../src/source/journal/parse';
import type { Read } from '../../src/source/types';

// /sys/fs/cgroup/system.slice/hog2.service after 10 s of `hog 100 touch` under MemoryHigh=40M, MemoryMax=200M.
const FILES: Record<string, string> = {
  '/sys/fs/cgroup/system.slice/hog2.service/memory.current': '41488384\n',
  '/sys/fs/cgroup/system.slice/hog2.service/memory.high': '41943040\n',
  '/sys/fs/cgroup/system.slice/hog2.service/memory.max': '209715200\n',
  '/sys/fs/cgroup/system.slice/hog2.service/memory.swap.current': '64782336\n',
  '/sys/fs/cgroup/system.slice/hog2.service/memory.swap.max': 'max\n',
  '/sys/fs/cgroup/system.slice/hog2.service/memory.events':
    'low 0\nhigh 251\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
  '/sys/fs/cgroup/system.slice/hog2.service/memory.pressure':
    'some avg10=18.24 avg60=5.06 avg300=1.14 total=3481892\nfull avg10=18.24 avg60=5.06 avg300=1.14 total=3481892\n',
  '/sys/fs/cgroup/system.slice/memory.max': 'max\n',
  '/sys/fs/cgroup/system.slice/memory.high': 'max\n',
  '/sys/fs/cgroup/system.slice/memory.swap.max': 'max\n',
  '/proc/pressure/memory':
    'some avg10=13.22 avg60=3.71 avg300=0.83 total=2638095\nfull avg10=10.76 avg60=3.05 avg300=0.69 total=2200129\n',
};
const text = (p: string): Read<string> =>
  p in FILES ? { ok: true, value: FILES[p] } : { ok: false, code: 'ENOENT', message: 'no such file' };

test('a throttled unit: the lowest limits on the path, its use, events and pressure', () => {
  const v2 = readMemoryV2(
    {
      path: '/system.slice/hog2.service',
      dir: '/sys/fs/cgroup/system.slice/hog2.service',
      version: 2,
      limitBytes: 209715200,
      usageBytes: 41488384,
    },
    text,
  );
  expect(v2).toMatchObject({
    currentBytes: 41488384,
    swapCurrentBytes: 64782336,
    high: { bytes: 41943040, path: '/system.slice/hog2.service' },
    max: { bytes: 209715200, path: '/system.slice/hog2.service' },
    swapMax: null,
    events: { high: 251, max: 0, oom: 0, oomKill: 0 },
    pressure: { someAvg10: 18.24, fullAvg10: 18.24 },
    hostPressure: { someAvg10: 13.22, fullAvg10: 10.76 },
  });
});

test('malformed files read as unknown, never throw (WRITTEN: malformed)', () => {
  expect(parsePsi('garbage')).toBeNull();
  expect(parseMemoryEvents('high x\n')).toBeNull();
});

test('systemd 252 prints ManagedOOMMemoryPressureLimit as its D-Bus value; later versions as a percentage', () => {
  // `systemctl show user@1000.service` with ManagedOOMMemoryPressureLimit=15% in a drop-in.
  expect(parseLimitPct('644245094')).toBe(15);
  expect(parseLimitPct('50%')).toBe(50);
  expect(parseLimitPct('0')).toBeNull();
});

test("systemd-oomd's line and the manager's line for its kill", () => {
  const entries = parseJournal(
    [
      '2026-12-05T17:33:59+0000 whydied-v2vm systemd-oomd[410]: Killed /wdoomd.slice/shog.service due to memory pressure for /wdoomd.slice being 23.60% > 15.00% for > 5s with reclaim activity',
      '2026-12-05T17:33:59+0000 whydied-v2vm systemd[1]: shog.service: systemd-oomd killed 1 process(es) in this unit.',
    ].join('\n'),
  );
  expect(entries.map(journalEvent)).toEqual([
    {
      type: 'oomd-kill',
      cgroup: '/wdoomd.slice/shog.service',
      reason: 'pressure',
      watched: '/wdoomd.slice',
      pressurePct: 23.6,
      limitPct: 15,
    },
    { type: 'unit-oomd', unit: 'shog.service', processes: 1 },
  ]);
});

test('the limit that binds is the one with the least room left, not the lowest (WRITTEN: a slice near its limit)', () => {
  // A service at 250 MiB of its own 300 MiB inside a slice at 990 MiB of 1 GiB: the slice binds (40 vs 50 MiB).
  const M = 1048576;
  const files: Record<string, string> = {
    '/sys/fs/cgroup/wd.slice/memory.max': `${1024 * M}\n`,
    '/sys/fs/cgroup/wd.slice/memory.high': 'max\n',
    '/sys/fs/cgroup/wd.slice/memory.current': `${990 * M}\n`,
    '/sys/fs/cgroup/wd.slice/a.service/memory.max': `${300 * M}\n`,
    '/sys/fs/cgroup/wd.slice/a.service/memory.high': `${280 * M}\n`,
    '/sys/fs/cgroup/wd.slice/a.service/memory.current': `${250 * M}\n`,
  };
  const read = (p: string): Read<string> =>
    p in files ? { ok: true, value: files[p] } : { ok: false, code: 'ENOENT', message: 'no such file' };
  const mem = { path: '/wd.slice/a.service', dir: '/sys/fs/cgroup/wd.slice/a.service', version: 2 as const };
  const v2 = readMemoryV2({ ...mem, limitBytes: 300 * M, usageBytes: 250 * M }, read);
  expect(v2?.max).toEqual({ bytes: 1024 * M, path: '/wd.slice', currentBytes: 990 * M });
  // memory.high is the service's alone: it binds wherever it is.
  expect(v2?.high).toEqual({ bytes: 280 * M, path: '/wd.slice/a.service', currentBytes: 250 * M });
  // With the slice far from its limit, the service's own memory.max binds.
  files['/sys/fs/cgroup/wd.slice/memory.current'] = `${260 * M}\n`;
  expect(readMemoryV2({ ...mem, limitBytes: 300 * M, usageBytes: 250 * M }, read)?.max?.path).toBe(
    '/wd.slice/a.service',
  );
});
