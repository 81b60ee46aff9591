/**
 * User-space programs' death lines in a saved log (parse-userspace.ts) and the prefix shapes found in the second
 * wild-logs pass (line-prefix.ts, records.ts). The real excerpts are in fixtures/wild (wild-corpus.test.ts runs
 * them through the CLI); the lines here are HAND-WRITTEN from the programs' format strings (systemd
 * src/coredump/coredump.c, earlyoom src/kill.c, systemd src/oom/oomd-util.c, upstart init/job_process.c,
 * arch/arm/kernel/traps.c) to pin what a real excerpt cannot: hostile names, a tag that is not the killer's,
 * a kill that did not end the process, and bounds.
 */
import { detectFormat, scanKernelText } from '../../src/source/kernel-log/records';
import { buildIncidents, locateEvents } from '../../src/source/kernel-log/incidents';
import { parseUserspace } from '../../src/source/kernel-log/parse-userspace';
import { parseKernelMessage } from '../../src/source/kernel-log/parse';
import { readLinePrefix } from '../../src/source/kernel-log/line-prefix';
import { describeDeath, adviceFor } from '../../src/source/kernel-log/describe';
import { UNKNOWN_SIGNAL } from '../../src/source/kernel-log/types';

function deathsOf(text: string) {
  const scan = scanKernelText(text, detectFormat(text), { bootTimeMs: null, currentBootId: null });
  const inc = buildIncidents(locateEvents(scan.records));
  return inc.deaths.map((d) => ({ pid: d.pid, comm: d.comm, kind: d.kind, signal: d.signal, d }));
}

describe('user-space death lines', () => {
  test.each([
    // systemd-coredump: with and without the link glyph; no core written: the signal is on the line.
    ['Process 62715 (bash) of user 0 dumped core.', 'systemd-coredump', { pid: 62715, comm: 'bash', signal: null }],
    ['[🡕] Process 62715 (bash) of user 0 dumped core.', 'systemd-coredump', { pid: 62715, comm: 'bash', signal: null }],
    [
      'Process 7 (a) b) of user 1000 terminated abnormally with signal 11/SEGV, processing...',
      'systemd-coredump',
      { pid: 7, comm: 'a) b', signal: 'SIGSEGV' },
    ],
    // earlyoom v1.6+ (uid), v1.3-1.5 (no uid), v1.2 (killing ... with signal N).
    [
      'sending SIGTERM to process 29410 uid 1000 "cluster": badness 1264, VmRSS 23964 MiB',
      'earlyoom',
      { pid: 29410, comm: 'cluster', signal: 'SIGTERM' },
    ],
    [
      'sending SIGKILL to process 12006 "py\\"th": badness 209, VmRSS 2891 MiB',
      'earlyoom',
      { pid: 12006, comm: 'py\\"th', signal: 'SIGKILL' },
    ],
    [
      'killing process 27541 "bash" with signal 15: badness 550, VmRSS 7609 MiB',
      'earlyoom',
      { pid: 27541, comm: 'bash', signal: 'SIGTERM' },
    ],
    ['oomd attempting to kill 407 with KILL', 'systemd-oomd', { pid: 407, comm: '', signal: 'SIGKILL' }],
    ['rsyslog main process (6549) killed by SEGV signal', 'init', { pid: 6549, comm: 'rsyslog', signal: 'SIGSEGV' }],
  ])('%s (%s)', (line, tag, want) => {
    const e = parseUserspace(line, tag);
    expect(e && e.type === 'userspace-death' ? { pid: e.pid, comm: e.comm, signal: e.signal } : e).toEqual(want);
    // The same line written through /dev/kmsg carries the program's own tag.
    const own = tag === 'init' ? `init: ${line}` : `${tag}[12]: ${line}`;
    const k = parseKernelMessage(own);
    expect(k && k.type === 'userspace-death' ? k.pid : null).toBe(want.pid);
  });

  test("a line is read only by its own program's parser, never by another's or the kernel's", () => {
    // A kernel-shaped line under a killer's tag, and a killer-shaped line under another program's tag.
    const text = [
      'Jun  1 10:00:00 host earlyoom[1]: Killed process 5 (x) total-vm:1kB, anon-rss:1kB, file-rss:1kB, shmem-rss:0kB',
      'Jun  1 10:00:01 host myapp[2]: sending SIGTERM to process 6 uid 0 "sshd": badness 1, VmRSS 1 MiB',
      'Jun  1 10:00:02 host logger: Process 7 (x) of user 0 dumped core.',
      'Jun  1 10:00:03 host systemd-coredump[3]: Killed process 8 (y) total-vm:1kB, anon-rss:1kB, file-rss:1kB',
    ].join('\n');
    expect(deathsOf(text)).toEqual([]);
    // Without its own tag, a killer's words in the kernel log are not the killer's.
    expect(parseKernelMessage('sending SIGTERM to process 6 uid 0 "sshd": badness 1, VmRSS 1 MiB')).toBeNull();
  });

  test('earlyoom says its signal did not end the process: no death; a later kill that did is one', () => {
    const text = [
      'Nov 12 17:08:27 earlyoom[1295]: sending SIGTERM to process 906175 uid 1000 "java": oom_score 1170, VmRSS 43912 MiB',
      'Nov 12 17:08:37 earlyoom[1295]: process 906175 did not exit',
      'Nov 12 17:08:47 earlyoom[1295]: sending SIGKILL to process 906175 uid 1000 "java": oom_score 1170, VmRSS 43912 MiB',
      'Nov 12 17:08:47 earlyoom[1295]: process exited after 0.2 seconds',
    ].join('\n');
    const got = deathsOf(text);
    expect(got.map((x) => [x.pid, x.signal])).toEqual([[906175, 'SIGKILL']]);
    expect(describeDeath(got[0].d)).toMatch(/by earlyoom/);
    expect(adviceFor(got[0].d)).toMatch(/earlyoom/);
  });

  test("systemd-coredump's line after the kernel's crash line is the same death, listed once", () => {
    const text = [
      '[  100.000001] a.out[4242]: segfault at 0 ip 0000000000401136 sp 00007ffd3f0 error 6 in a.out[401000+1000]',
      '[  100.512000] systemd-coredump[4243]: Process 4242 (a.out) of user 1000 dumped core.',
    ].join('\n');
    const got = deathsOf(text);
    expect(got.map((x) => [x.pid, x.kind, x.signal])).toEqual([[4242, 'segfault', 'SIGSEGV']]);
    expect(got[0].d.details.reportedBy).toBe('systemd-coredump');
  });

  test('a core dump alone names no signal, and says so instead of inventing one', () => {
    const got = deathsOf('Jul 29 01:29:40 f3 systemd-coredump[62744]: Process 62715 (bash) of user 0 dumped core.');
    expect(got.map((x) => [x.pid, x.signal])).toEqual([[62715, UNKNOWN_SIGNAL]]);
    expect(describeDeath(got[0].d)).toMatch(/dumped core .*does not say which signal/);
    expect(adviceFor(got[0].d)).toContain('coredumpctl info 62715');
  });
});

describe('prefix shapes of the second pass', () => {
  test.each([
    // A markdown fence or backtick glued to the first line.
    ['```[Sun Mar 30 08:24:00 2025] Out of memory: x', 'Out of memory: x'],
    ['`kernel: traps: python[7276] trap divide error', 'traps: python[7276] trap divide error'],
    // Indented journal text of a line split at a KERN_CONT.
    ['    traps: chrome[2979] trap invalid opcode ip:1 sp:2', 'traps: chrome[2979] trap invalid opcode ip:1 sp:2'],
    // The date cut off, the host kept; syslogd's wall line.
    ['shiny kernel: [85028.864740] caja[26816]: segfault at 3', 'caja[26816]: segfault at 3'],
    [
      ' kernel:[26077.432637] Process dmidecode (pid: 2742, stack limit = 0x1)',
      'Process dmidecode (pid: 2742, stack limit = 0x1)',
    ],
  ])('%s', (line, message) => {
    const p = readLinePrefix(line);
    expect(p.message).toBe(message);
    expect(p.origin).not.toBe('other');
  });

  test('talosctl dmesg: node, facility, level and an RFC 3339 stamp before the message', () => {
    const p = readLinePrefix(
      '172.16.1.110: kern:    info: [2024-07-16T19:11:51.02320134Z]: Out of memory: Killed process 5 (x)',
    );
    expect(p.message).toBe('Out of memory: Killed process 5 (x)');
    expect(p.origin).toBe('kernel');
    expect(p.priority).toBe(6);
    expect(p.wall).toMatchObject({ year: 2024, month: 7, day: 16, hour: 19, minute: 11, second: 51, zoneMin: 0 });
  });

  test("syslogd's wall header dates the line after it", () => {
    const text = [
      'Message from syslogd@rockpro64-0 at Jun 22 19:32:51 ...',
      ' kernel:[26077.432637] Process dmidecode (pid: 2742, stack limit = 0xffffffc0d8784000)',
    ].join('\n');
    const got = deathsOf(text);
    expect(got.map((x) => [x.pid, x.comm, x.signal, x.d.details.reason])).toEqual([
      [2742, 'dmidecode', 'SIGSEGV', 'kernel-oops'],
    ]);
    expect(got[0].d.wall).toMatchObject({ month: 6, day: 22, hour: 19, minute: 32, second: 51 });
    expect(got[0].d.uptimeSec).toBeCloseTo(26077.432637, 6);
  });

  test("arm __die's task line alone is an oops; followed by a panic it is the machine's death", () => {
    const alone = '[  5.000000] Process init (pid: 1, stack limit = 0xc0b2a238)';
    expect(deathsOf(alone).map((x) => x.pid)).toEqual([1]);
    const panic = `${alone}\n[  5.100000] Kernel panic - not syncing: Fatal exception`;
    const scan = scanKernelText(panic, detectFormat(panic), { bootTimeMs: null, currentBootId: null });
    const inc = buildIncidents(locateEvents(scan.records));
    expect(inc.deaths).toEqual([]);
    expect(inc.machineDeaths.length).toBe(1);
  });

  test('digit-group commas in a pasted Killed process line are read, not a reason to drop it', () => {
    const e = parseKernelMessage(
      'Out of memory: Killed process 7899 (python) total-vm:26,184,840kB, anon-rss:153,700,88kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:38964kB oom_score_adj:0```',
    );
    expect(e && e.type === 'oom-killed' ? [e.pid, e.comm, e.totalVmKb, e.uid] : e).toEqual([
      7899,
      'python',
      26184840,
      0,
    ]);
  });

  test('bounded: long hostile lines of every new shape are read in linear time', () => {
    const long = 'x'.repeat(200_000);
    const lines = [
      `earlyoom[1]: sending SIGTERM to process 5 "${long}`,
      `systemd-coredump[1]: Process 5 (${long}`,
      `init: ${'a '.repeat(100_000)}main process (`,
      `\`\`\`${' '.repeat(100_000)}kernel:`,
      `${'h'.repeat(100_000)} kernel: `,
      `Message from syslogd@${'h'.repeat(100_000)} at`,
    ];
    const t0 = process.hrtime.bigint();
    for (const l of lines) {
      parseKernelMessage(l);
      readLinePrefix(l);
      deathsOf(`${l}\n${l}`);
    }
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(2000);
  });
});
