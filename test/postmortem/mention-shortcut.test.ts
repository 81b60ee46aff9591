/**
 * findDeaths / findHungTasks skip parsing a log that cannot mention the pid or name asked about. The
 * short cut must never change an answer: for every fixture log (captured and legacy), every pid and name
 * that appears in it and some that do not, asking a fresh copy of the records (nothing parsed yet) gives
 * what filtering the fully parsed log gives.
 */
import { CLOCK_SKEW_MS, findDeaths, findHungTasks } from '../../src/source/kernel-log/incidents';
import type { DeathFilter, KernelRecord } from '../../src/source/kernel-log/types';
import { allFixtures, loadFixture } from './load-fixture';

const fresh = (records: KernelRecord[]): KernelRecord[] => records.map((r) => ({ ...r }));

function filtersFor(records: KernelRecord[]): DeathFilter[] {
  const all = findDeaths(records);
  const hung = findHungTasks(records);
  const out: DeathFilter[] = [{ pid: 1 }, { pid: 424242 }, { name: 'no-such-name' }, { name: 'name with space' }];
  for (const d of [...all, ...hung]) {
    out.push(
      { pid: d.pid },
      { name: d.comm },
      { name: `${d.comm}-and-more-than-fifteen` },
      { pid: d.pid, name: d.comm },
    );
    if (d.timeMs !== null) out.push({ pid: d.pid, before: d.timeMs - 1 }, { pid: d.pid, after: d.timeMs });
  }
  return out;
}

describe('the no-mention short cut', () => {
  for (const rel of allFixtures()) {
    test(`${rel}: same deaths and hung tasks as the full parse`, () => {
      const { records } = loadFixture(rel);
      const filters = filtersFor(records);
      expect(filters.length).toBeGreaterThan(4);
      for (const f of filters) {
        const full = findDeaths(records, f);
        expect(findDeaths(fresh(records), f).map((d) => [d.pid, d.comm, d.kind, d.timeMs])).toEqual(
          full.map((d) => [d.pid, d.comm, d.kind, d.timeMs]),
        );
        expect(findHungTasks(fresh(records), f).map((h) => [h.pid, h.comm, h.timeMs])).toEqual(
          findHungTasks(records, f).map((h) => [h.pid, h.comm, h.timeMs]),
        );
      }
    });
  }

  test('a log that does not mention the pid answers nothing, one that does answers its death', () => {
    const { records } = loadFixture('real/kmsg-6.18-segfault.txt');
    const death = findDeaths(records)[0];
    expect(death).toBeDefined();
    expect(findDeaths(fresh(records), { pid: 424242 })).toEqual([]);
    const found = findDeaths(fresh(records), { pid: death.pid });
    expect(found.map((d) => d.pid)).toEqual([death.pid]);
  });
});

describe('start time against kernel time', () => {
  // printk's clock and the boot-time clock behind process start times disagree by a few ms here (a process
  // writing to /dev/kmsg as it starts got a record up to 2.4 ms before its start in one run of four): a
  // process that crashes at once must keep its death.
  test('a death a few ms before the start time still belongs to the process; one beyond the margin does not', () => {
    const { records } = loadFixture('real/kmsg-6.18-segfault.txt');
    const death = findDeaths(records)[0];
    expect(death?.timeMs).not.toBeNull();
    const at = death.timeMs as number;
    expect(findDeaths(records, { pid: death.pid, after: at + 3 }).map((d) => d.pid)).toEqual([death.pid]);
    expect(findDeaths(records, { pid: death.pid, after: at + CLOCK_SKEW_MS + 1 })).toEqual([]);
    expect(findDeaths(records, { pid: death.pid, before: at - 3 }).map((d) => d.pid)).toEqual([death.pid]);
    expect(findDeaths(records, { pid: death.pid, before: at - CLOCK_SKEW_MS - 1 })).toEqual([]);
  });
});
