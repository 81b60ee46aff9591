/**
 * A process killed because the memory under it failed (machine check / memory-failure handler). The one real
 * excerpt (fixtures/wild/lkml-uffd-poison-6.8-syslog-mce-handled.txt, run by wild-corpus.test.ts) is a selftest
 * that caught every SIGBUS; neither this machine's kernel nor the test VM's has CONFIG_MEMORY_FAILURE, so the
 * lines below are HAND-WRITTEN from the kernel's own format strings, one per generation (mm/memory-failure.c
 * kill_proc_ao / kill_proc / kill_procs, arch/x86/mm/fault.c do_sigbus, arch/x86/kernel/cpu/mce/core.c
 * kill_me_maybe), with hostile names.
 */
import { detectFormat, scanKernelText } from '../../src/source/kernel-log/records';
import { buildIncidents, locateEvents } from '../../src/source/kernel-log/incidents';
import { parseKernelMessage } from '../../src/source/kernel-log/parse';
import { describeDeath, adviceFor } from '../../src/source/kernel-log/describe';
import { notUnderstood } from '../../src/source/kernel-log/understood';
import { kernelEntry } from '../../src/scan/kernel-entry';

function deathsOf(text: string) {
  const scan = scanKernelText(text, detectFormat(text), { bootTimeMs: null, currentBootId: null });
  return { deaths: buildIncidents(locateEvents(scan.records)).deaths, records: scan.records };
}

describe('memory-failure lines (hand-written from the format strings)', () => {
  test.each([
    ['MCE 0x1a2b3: Killing db:4242 early due to hardware memory corruption', 'db', 4242, 'SIGBUS', '0x1a2b3', null],
    ['MCE 0x1a2b3: Killing db:4242 due to hardware memory corruption', 'db', 4242, 'SIGBUS', '0x1a2b3', null],
    [
      'Memory failure: 0x1840200: Killing cellsrv:33395 due to hardware memory corruption',
      'cellsrv',
      33395,
      'SIGBUS',
      '0x1840200',
      null,
    ],
    [
      'Memory failure: 0x1850602: Sending SIGBUS to fsdax_poison_v1:8457 due to hardware memory corruption',
      'fsdax_poison_v1',
      8457,
      'SIGBUS',
      '0x1850602',
      null,
    ],
    [
      'Memory failure: 0xedbe201: forcibly killing read_poison:22434 because of failure to unmap corrupted page',
      'read_poison',
      22434,
      'SIGKILL',
      '0xedbe201',
      null,
    ],
    [
      'MCE 0x318: forcibly killing a:b c:77 because of failure to unmap corrupted page',
      'a:b c',
      77,
      'SIGKILL',
      '0x318',
      null,
    ],
    [
      'MCE: Killing java:9 due to hardware memory corruption fault at 7f3cf3601000',
      'java',
      9,
      'SIGBUS',
      null,
      '0x7f3cf3601000',
    ],
    [
      'Memory error may not recovered: 0x1f00: Sending SIGBUS to x:12:31 due to hardware memory corruption',
      'x:12',
      31,
      'SIGBUS',
      '0x1f00',
      null,
    ],
  ])('%s', (line, comm, pid, signal, pfn, address) => {
    expect(parseKernelMessage(line)).toMatchObject({ type: 'memory-failure', comm, pid, signal, pfn, address });
  });

  test('recovery, injection and still-referenced lines are no death', () => {
    for (const line of [
      'Memory failure: 0x10d88e: recovery action for clean LRU page: Recovered',
      'Memory failure: 0x102f01: huge page still referenced by 511 users',
      'Injecting memory failure for pfn 0x102f01 at process virtual address 0x7f28ec101000',
    ])
      expect(parseKernelMessage(line)).toBeNull();
  });

  test('one line is a death by SIGBUS from the hardware, not a bug in the program', () => {
    const { deaths } = deathsOf(
      '[188988.765862] Memory failure: 0x1840200: Sending SIGBUS to cellsrv:33395 due to hardware memory corruption\n',
    );
    expect(deaths).toHaveLength(1);
    const d = deaths[0];
    expect(d).toMatchObject({ pid: 33395, comm: 'cellsrv', kind: 'signal', signal: 'SIGBUS' });
    expect(describeDeath(d)).toMatch(/failed in hardware \(page frame 0x1840200\).*not a fault in the program/);
    expect(adviceFor(d)).toMatch(/RAM is failing/);
    expect(kernelEntry(d).what).toBe('hardware memory error (SIGBUS from the kernel)');
  });

  test('repeated SIGBUS lines for one pid were handled: no death; a SIGKILL line still is one', () => {
    const lines = [1, 2, 3].map(
      (i) => `[77187.05510${i}] MCE: Killing t:7 due to hardware memory corruption fault at 4631e00${i}`,
    );
    expect(deathsOf(lines.join('\n') + '\n').deaths).toEqual([]);
    const killed = [
      ...lines,
      '[77187.055200] Memory failure: 0x99: forcibly killing t:7 because of failure to unmap corrupted page',
    ];
    const { deaths } = deathsOf(killed.join('\n') + '\n');
    expect(deaths.map((d) => [d.pid, d.signal])).toEqual([[7, 'SIGKILL']]);
    expect(describeDeath(deaths[0])).toMatch(/could not be taken away/);
  });

  test('every form is understood (none is counted as an unread report)', () => {
    const { records } = deathsOf(
      [
        '[1.0] MCE 0x1: Killing a:1 early due to hardware memory corruption',
        '[2.0] Memory failure: 0x2: Sending SIGBUS to b:2 due to hardware memory corruption',
        '[3.0] MCE: Killing c:3 due to hardware memory corruption fault at 1000',
      ].join('\n') + '\n',
    );
    expect(notUnderstood(records).count).toBe(0);
  });
});
