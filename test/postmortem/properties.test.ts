/**
 * Property tests: the parser never throws on arbitrary input, and never attributes a record to the
 * wrong pid, whatever the process names (hostile comms with brackets, parentheses, colons, spaces,
 * newlines, backslashes).
 */
import fc from 'fast-check';
import { scanKernelText, detectFormat } from '../../src/source/kernel-log/records';
import { parseKernelMessage } from '../../src/source/kernel-log/parse';
import { buildIncidents, CLOCK_SKEW_MS, findDeaths, locateEvents } from '../../src/source/kernel-log/incidents';
import type { KernelLogFormat } from '../../src/source/kernel-log/types';

const BOOT_MS = 1_700_000_000_000;
const clock = { bootTimeMs: BOOT_MS, currentBootId: null };

const hostileChar = fc.constantFrom(
  '[',
  ']',
  '(',
  ')',
  ':',
  ' ',
  ',',
  '=',
  '\\',
  '\n',
  '\x1b',
  'a',
  'b',
  '1',
  '9',
  'é',
  '-',
  '.',
  '"',
);
const comm = fc.stringOf(hostileChar, { minLength: 1, maxLength: 15 });
const pid = fc.integer({ min: 1, max: 4194304 });

/** What /dev/kmsg does to a message: escape control bytes, bytes >= 0x7f and backslash. */
function kmsgEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    out +=
      byte < 0x20 || byte >= 0x7f || byte === 0x5c
        ? `\\x${byte.toString(16).padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}

type Kind = 'segfault' | 'trap' | 'oom' | 'hung';
const kinds = fc.constantFrom<Kind>('segfault', 'trap', 'oom', 'hung');

function messages(kind: Kind, p: number, c: string): string[] {
  switch (kind) {
    case 'segfault':
      return [
        `${c}[${p}]: segfault at 0 ip 00007f3f65f85ad8 sp 00007ffc62cb9528 error 4 in libc.so.6[167ad8,7f3f65e44000+156000] likely on CPU 1 (core 1, socket 0)`,
      ];
    case 'trap':
      return [
        `traps: ${c}[${p}] trap divide error ip:55781d86414b sp:7fff90c035d0 error:0 in dz[114b,55781d864000+1000]`,
      ];
    case 'oom':
      return [
        `${c} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0`,
        'memory: usage 40960kB, limit 40960kB, failcnt 91',
        `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/t,task_memcg=/t,task=${c},pid=${p},uid=0`,
        `Memory cgroup out of memory: Killed process ${p} (${c}) total-vm:50488kB, anon-rss:40576kB, file-rss:6588kB, shmem-rss:0kB, UID:0 pgtables:144kB oom_score_adj:0`,
      ];
    case 'hung':
      return [`INFO: task ${c}:${p} blocked for more than 120 seconds.`];
  }
}

const entries = fc.array(fc.record({ kind: kinds, pid, comm }), { minLength: 1, maxLength: 12 });

function kmsgText(list: Array<{ kind: Kind; pid: number; comm: string }>): string {
  let seq = 1;
  const lines: string[] = [];
  for (const e of list) {
    lines.push(`6,${seq++},${seq * 1000},-;usb 1-1: noise between incidents`);
    for (const m of messages(e.kind, e.pid, e.comm)) lines.push(`6,${seq++},${seq * 1000},-;${kmsgEscape(m)}`);
  }
  return lines.join('\n') + '\n';
}

describe('kernel-log parser properties', () => {
  test('never throws on arbitrary lines, in any format', () => {
    const formats: KernelLogFormat[] = ['kmsg', 'dmesg', 'journal-short-monotonic', 'journal-json'];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.fullUnicodeString(),
            fc.constantFrom(
              '6,1,2,-;',
              '<6>[ 1.2] ',
              '{"MESSAGE":',
              'oom-kill:',
              ': segfault at ',
              '] trap ',
              'Killed process ',
              'type=1701 ',
              '\\x',
            ),
          ),
          { maxLength: 30 },
        ),
        (parts) => {
          const text = parts.join(parts.length % 2 ? '\n' : ' ');
          for (const f of formats) {
            const scan = scanKernelText(text, f, clock);
            buildIncidents(locateEvents(scan.records));
          }
          detectFormat(text);
          parseKernelMessage(text);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('never throws on arbitrary bytes decoded as text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const text = Buffer.from(bytes).toString('latin1');
        const scan = scanKernelText(`6,1,1,-;${text}\n${text}: segfault at\n`, 'kmsg', clock);
        buildIncidents(locateEvents(scan.records));
        parseKernelMessage(text);
      }),
      { numRuns: 400 },
    );
  });

  test("findDeaths({pid}) returns exactly that pid's deaths, with the right comm, for hostile names", () => {
    fc.assert(
      fc.property(entries, (list) => {
        const records = scanKernelText(kmsgText(list), 'kmsg', clock).records;
        for (const e of list) {
          const expected = list.filter((x) => x.pid === e.pid && x.kind !== 'hung');
          const got = findDeaths(records, { pid: e.pid });
          expect(got.every((d) => d.pid === e.pid)).toBe(true);
          expect(got.length).toBe(expected.length);
          expect(got.map((d) => d.comm).sort()).toEqual(expected.map((x) => x.comm).sort());
          for (const d of findDeaths(records, { pid: e.pid, name: e.comm })) expect(d.pid).toBe(e.pid);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a record older than the current holder of a pid is not attributed to it (PID reuse)', () => {
    const lines = [
      `6,1,5000000,-;${kmsgEscape('worker[700]: segfault at 0 ip 0000000000401000 sp 00007ffc00000000 error 4 in worker[401000,400000+1000]')}`,
    ].join('\n');
    const records = scanKernelText(lines, 'kmsg', clock).records;
    const crashMs = BOOT_MS + 5000;
    // The same pid and name, started after the crash (beyond the two clocks' skew margin): not its death.
    expect(findDeaths(records, { pid: 700, name: 'worker', after: crashMs + CLOCK_SKEW_MS + 10 })).toEqual([]);
    // Started before the crash: its death.
    expect(findDeaths(records, { pid: 700, name: 'worker', after: crashMs - 10 })).toHaveLength(1);
    // Another name on the same pid: not its death.
    expect(findDeaths(records, { pid: 700, name: 'nginx' })).toEqual([]);
    // comm is compared on 15 characters: a long argv name still matches its truncated comm.
    const long = scanKernelText(
      `6,1,5000000,-;verylongprocess[9]: segfault at 0 ip 1 sp 2 error 4\n`,
      'kmsg',
      clock,
    ).records;
    expect(findDeaths(long, { pid: 9, name: 'verylongprocessname' })).toHaveLength(1);
  });
});
