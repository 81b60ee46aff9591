/**
 * Kernel oops reports (parse-oops.ts, oops-incident.ts). Real excerpts are in fixtures/wild (the corpus test
 * runs them through the CLI); here, HAND-WRITTEN lines built from the kernel's own format strings for the
 * arches and versions no public excerpt was found for (powerpc, s390, riscv, mips die headers; x86 6.9+
 * page faults), and hostile task names. Marked as written, not captured.
 */
import { parseKernelMessage } from '../../src/source/kernel-log/parse';
import { buildIncidents } from '../../src/source/kernel-log/incidents';
import type { KernelRecord, LocatedEvent } from '../../src/source/kernel-log/types';
import { adviceFor, describeDeath } from '../../src/source/kernel-log/describe';
import { loadFixture } from './load-fixture';

function header(message: string) {
  const e = parseKernelMessage(message);
  return e && e.type === 'oops-header' ? { signal: e.signal, arch: e.arch, what: e.what, n: e.dieCount } : e;
}

test.each([
  // arch/x86/kernel/dumpstack.c __die_header since 6.9 ("Oops: %s: %04lx [#%d]"): page_fault_oops passes "Oops".
  ['Oops: Oops: 0002 [#1] PREEMPT SMP NOPTI', { signal: 'SIGKILL', arch: 'x86', what: 'Oops', n: 1 }],
  [
    'Oops: general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN NOPTI',
    {
      signal: 'SIGSEGV',
      arch: 'x86',
      what: 'general protection fault, probably for non-canonical address 0xdffffc0000000001',
      n: 1,
    },
  ],
  [
    'general protection fault: 0000 [#3] SMP',
    { signal: 'SIGSEGV', arch: 'x86', what: 'general protection fault', n: 3 },
  ],
  // arch/powerpc/kernel/traps.c __die: "Oops: %s, sig: %ld [#%d]".
  [
    'Oops: Kernel access of bad area, sig: 7 [#1]',
    { signal: 'SIGBUS', arch: 'powerpc', what: 'Kernel access of bad area', n: 1 },
  ],
  // arch/s390/kernel/dumpstack.c die: "%s: %04x ilc:%d [#%d] ".
  ['Oops: 0004 ilc:3 [#1] SMP', { signal: 'SIGSEGV', arch: 's390', what: 'Oops', n: 1 }],
  // arch/arm64/kernel/traps.c __die (kernel BUG as a brk).
  [
    'Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP',
    { signal: 'SIGSEGV', arch: 'arm', what: 'Oops - BUG', n: 1 },
  ],
  // arch/riscv/kernel/traps.c die: "%s [#%d]"; arch/mips/kernel/traps.c die: "%s[#%d]:".
  ['Oops [#1]', { signal: 'SIGSEGV', arch: 'riscv', what: 'Oops', n: 1 }],
  ['Oops[#1]:', { signal: 'SIGSEGV', arch: 'mips', what: 'Oops', n: 1 }],
])('die header %s', (line, want) => {
  expect(header(line)).toEqual(want);
});

test('lines that only look alike are not die headers (a WARNING, a stack frame, a panic)', () => {
  for (const line of [
    'WARNING: CPU: 6 PID: 484 at kernel/irq/manage.c:560 enable_irq+0x150/0x200',
    ' oops_end+0x93/0xd0',
    '---[ end trace 92750d3eb1480a4a ]---',
  ])
    expect(parseKernelMessage(line)).toBeNull();
  expect(parseKernelMessage('Kernel panic - not syncing: Fatal exception')).toEqual({
    type: 'kernel-panic',
    reason: 'Fatal exception',
  });
});

let seq = 0;
function located(message: string, uptimeSec: number): LocatedEvent {
  const record: KernelRecord = {
    seq: seq++,
    uptimeSec,
    monoUsec: Math.round(uptimeSec * 1e6),
    timeMs: null,
    boot: 'current',
    priority: null,
    message,
  };
  const event = parseKernelMessage(message);
  if (!event) throw new Error(`not parsed: ${message}`);
  return { event, record };
}

test('a hostile task name (brackets, "Not tainted", a newline) is the victim; the taint and release are read', () => {
  // HAND-WRITTEN: a comm can hold anything but NUL (PR_SET_NAME), up to 15 bytes.
  const comm = 'x Not tainted\n[';
  const { deaths } = buildIncidents([
    located('BUG: kernel NULL pointer dereference, address: 0000000000000000', 5.1),
    located('Oops: 0000 [#1] SMP PTI', 5.2),
    located(`CPU: 1 PID: 4242 Comm: ${comm} Tainted: G      D    O      6.1.0-13-amd64 #1 Debian 6.1.55-1`, 5.3),
  ]);
  expect(deaths).toHaveLength(1);
  expect(deaths[0]).toMatchObject({ pid: 4242, comm, kind: 'signal', signal: 'SIGKILL' });
  expect(deaths[0].details).toMatchObject({
    reason: 'kernel-oops',
    kernelSent: true,
    tainted: 'G D O',
    kernelRelease: '6.1.0-13-amd64',
    oopsCause: 'BUG: kernel NULL pointer dereference, address: 0000000000000000',
  });
});

test('an oops in the idle task (pid 0) or one that ends in a panic names no victim', () => {
  const idle = buildIncidents([
    located('Oops: 0000 [#1] SMP', 9.0),
    located('CPU: 67 PID: 0 Comm: swapper/67 Tainted: G OE 3.10.0 #1', 9.1),
    // A later warning's task line must not be taken for the oops's.
    located('CPU: 3 PID: 77 Comm: worker Not tainted 3.10.0 #1', 9.2),
  ]);
  expect(idle.deaths).toEqual([]);
  const panic = buildIncidents([
    located('Oops: 0000 [#1] SMP', 20.0),
    located('CPU: 2 PID: 900 Comm: victim Not tainted 5.4.0 #1', 20.1),
    located('Kernel panic - not syncing: Fatal exception', 20.5),
  ]);
  expect(panic.deaths).toEqual([]);
  expect(panic.machineDeaths).toHaveLength(1);
  expect(panic.machineDeaths[0]).toMatchObject({ reason: 'Fatal exception', oops: 'Oops: 0000 [#1] SMP' });
});

test('an oops without a panic kills its task even when a panic comes much later (another incident)', () => {
  const { deaths, machineDeaths } = buildIncidents([
    located('Oops: 0000 [#1] SMP', 100.0),
    located('CPU: 2 PID: 900 Comm: victim Not tainted 5.4.0 #1', 100.1),
    located('Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b', 400.0),
  ]);
  expect(deaths.map((d) => d.pid)).toEqual([900]);
  expect(machineDeaths.map((m) => m.oops)).toEqual([null]);
});

/**
 * A REAL oops (fixtures/kernel-log/real/*-6.1-v2vm-module-oops.txt): in the cgroup v2 test VM, insmod loaded
 * a test module whose init writes to NULL. The victim, the signal, where the kernel faulted (RIP: 0010:
 * wdoops_init [wdoops]) and the taint letters are read from `dmesg -r` and from the journal's JSON alike,
 * and the remedy names the module instead of "the kernel (or one of its modules)".
 */
describe.each(['real/dmesg-r-6.1-v2vm-module-oops.txt', 'real/journal-json-6.1-v2vm-module-oops.txt'])(
  'a real module oops: %s',
  (rel) => {
    test('insmod died of SIGKILL in wdoops_init of module wdoops, tainted by an out-of-tree unsigned module', () => {
      const f = loadFixture(rel);
      expect(f.incidents.deaths).toHaveLength(1);
      const d = f.incidents.deaths[0];
      expect(d).toMatchObject({ pid: 358, comm: 'insmod', signal: 'SIGKILL' });
      expect(d.details).toMatchObject({
        reason: 'kernel-oops',
        oopsIn: 'wdoops_init+0x5/0x1000',
        oopsModule: 'wdoops',
        tainted: 'G OE',
        kernelRelease: '6.1.0-50-cloud-amd64',
      });
      expect(describeDeath(d)).toContain('in wdoops_init+0x5/0x1000 of module wdoops');
      const fix = adviceFor(d);
      expect(fix).toContain('kernel module wdoops');
      expect(fix).toContain('an out-of-tree module is loaded, an unsigned module is loaded');
      expect(fix).toContain('modinfo wdoops');
    });
  },
);

test("the user-mode RIP (0033) after the kernel's is the program's address, never taken as where the kernel faulted", () => {
  // WRITTEN: x86 show_regs prints the user registers after the call trace with RIP: 0033.
  const e = parseKernelMessage('RIP: 0033:0x7f4e6091f829');
  expect(e).toBeNull();
  expect(parseKernelMessage('RIP: 0010:wdoops_init+0x5/0x1000 [wdoops]')).toEqual({
    type: 'oops-where',
    symbol: 'wdoops_init+0x5/0x1000',
    module: 'wdoops',
  });
  // arm64 __show_regs, a function of the kernel image (no module).
  expect(parseKernelMessage('pc : __memcpy+0x110/0x260')).toEqual({
    type: 'oops-where',
    symbol: '__memcpy+0x110/0x260',
    module: null,
  });
});
