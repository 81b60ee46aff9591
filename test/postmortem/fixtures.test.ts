/**
 * Every kernel-log fixture (REAL captures from this machine and WRITTEN ones from the documented
 * formats) parses to the events and deaths it represents.
 */
import * as fs from 'fs';
import * as path from 'path';
import { allFixtures, FIXTURES, loadFixture, CAPTURE_BOOT_MS } from './load-fixture';

const types = (rel: string): string[] => loadFixture(rel).events.map((e) => e.event.type);

describe('kernel-log fixtures', () => {
  test('every fixture is labelled REAL or WRITTEN with a kernel version', () => {
    for (const rel of allFixtures()) {
      const first = fs.readFileSync(path.join(FIXTURES, rel), 'utf8').split('\n')[0];
      expect(first).toMatch(/^# (REAL|WRITTEN)/);
      expect(first).toMatch(/\d\.[\dx]|RHEL/);
    }
  });

  test('REAL 6.18 memcg OOM kill (kmsg)', () => {
    const f = loadFixture('real/kmsg-6.18-memcg-oom.txt');
    expect(f.format).toBe('kmsg');
    expect(types('real/kmsg-6.18-memcg-oom.txt')).toEqual([
      'oom-header',
      'stack-task',
      'memcg-usage',
      'oom-summary',
      'oom-killed',
    ]);
    expect(f.incidents.deaths).toHaveLength(1);
    const d = f.incidents.deaths[0];
    expect(d).toMatchObject({ pid: 4436, comm: 'python3', kind: 'oom-kill', signal: 'SIGKILL', boot: 'current' });
    expect(d.details).toMatchObject({
      memcg: '/whydied-test-cap3300',
      taskMemcg: '/whydied-test-cap3300',
      constraint: 'CONSTRAINT_MEMCG',
      limitKb: 40960,
      usageKb: 40960,
      anonRssKb: 40576,
      fileRssKb: 6588,
      shmemRssKb: 0,
      rssKb: 40576 + 6588,
      totalVmKb: 50488,
      pgtablesKb: 144,
      uid: 0,
      oomScoreAdj: 0,
      triggeredBy: 'python3',
      triggeredByPid: 4436,
      gfpMask: '0xcc0(GFP_KERNEL)',
    });
    expect(d.timeMs).toBeCloseTo(CAPTURE_BOOT_MS + 223356.953, 3);
    expect(d.raw).toHaveLength(5);
  });

  test('REAL 6.18 segfault with "likely on CPU" and file offset', () => {
    const f = loadFixture('real/kmsg-6.18-segfault.txt');
    expect(f.events.map((e) => e.event)).toEqual([
      {
        type: 'segfault',
        comm: 'python3',
        pid: 4479,
        address: '0',
        ip: '00007f3f65f85ad8',
        sp: '00007ffc62cb9528',
        errorCode: 4,
        library: 'libc.so.6',
        mapping: '167ad8,7f3f65e44000+156000',
        cpu: 1,
      },
    ]);
    expect(f.incidents.deaths[0]).toMatchObject({ kind: 'segfault', signal: 'SIGSEGV', pid: 4479 });
  });

  test('REAL 6.18 traps: invalid opcode, divide error, general protection fault', () => {
    const f = loadFixture('real/kmsg-6.18-traps.txt');
    expect(f.incidents.deaths.map((d) => [d.pid, d.comm, d.kind, d.signal, d.details.trap, d.details.library])).toEqual(
      [
        [4531, 'ill', 'trap', 'SIGILL', 'invalid opcode', 'ill'],
        [4716, 'dz', 'trap', 'SIGFPE', 'divide error', 'dz'],
        [4722, 'gp', 'trap', 'SIGSEGV', 'general protection fault', 'gp'],
      ],
    );
  });

  test('REAL hostile comms (kmsg escapes decoded)', () => {
    const f = loadFixture('real/kmsg-6.18-hostile-comm.txt');
    expect(f.incidents.deaths.map((d) => [d.pid, d.comm])).toEqual([
      [4743, 'a b[1]: (x) '],
      [4784, 'n\nl\x1b[31m\\'],
    ]);
  });

  test('REAL dmesg --raw: same deaths, comm with a newline joined back', () => {
    const f = loadFixture('real/dmesg-raw-6.18.txt');
    expect(f.format).toBe('dmesg');
    expect(f.incidents.deaths.map((d) => [d.pid, d.kind, d.signal])).toEqual([
      [4436, 'oom-kill', 'SIGKILL'],
      [4479, 'segfault', 'SIGSEGV'],
      [4531, 'trap', 'SIGILL'],
      [4716, 'trap', 'SIGFPE'],
      [4722, 'trap', 'SIGSEGV'],
      [4743, 'segfault', 'SIGSEGV'],
      [4784, 'segfault', 'SIGSEGV'],
    ]);
    expect(f.incidents.deaths[6].comm).toBe('n\nl\x1b[31m\\');
    expect(f.incidents.deaths[0].details).toMatchObject({ memcg: '/whydied-test-cap3300', limitKb: 40960 });
    expect(f.incidents.deaths[1].timeMs).toBeCloseTo(CAPTURE_BOOT_MS + 223997.389, 3);
  });

  test('REAL dmesg -x and plain dmesg', () => {
    expect(loadFixture('real/dmesg-x-6.18-traps.txt').incidents.deaths.map((d) => d.signal)).toEqual([
      'SIGILL',
      'SIGFPE',
      'SIGSEGV',
    ]);
    const plain = loadFixture('real/dmesg-plain-6.18.txt').incidents.deaths;
    expect(plain.map((d) => [d.pid, d.kind])).toEqual([
      [4436, 'oom-kill'],
      [4479, 'segfault'],
      [4743, 'segfault'],
    ]);
    expect(plain[2].comm).toBe('a b[1]: (x) ');
  });

  test('3.10 global OOM: select + killed, no summary', () => {
    const f = loadFixture('written/dmesg-3.10-global-oom.txt');
    expect(types('written/dmesg-3.10-global-oom.txt')).toEqual([
      'oom-header',
      'stack-task',
      'oom-kill-select',
      'oom-killed',
    ]);
    expect(f.incidents.deaths).toHaveLength(1);
    expect(f.incidents.deaths[0]).toMatchObject({ pid: 2345, comm: 'java', kind: 'oom-kill' });
    expect(f.incidents.deaths[0].details).toMatchObject({
      score: 912,
      totalVmKb: 4194304,
      anonRssKb: 3145728,
      fileRssKb: 1024,
    });
    expect(f.incidents.deaths[0].details.shmemRssKb).toBeNull();
  });

  test('RHEL 7 memcg: Task in + usage + ", UID N," killed line', () => {
    const f = loadFixture('written/dmesg-rhel7-memcg-oom.txt');
    expect(types('written/dmesg-rhel7-memcg-oom.txt')).toEqual([
      'oom-header',
      'memcg-task',
      'memcg-usage',
      'oom-kill-select',
      'oom-killed',
    ]);
    expect(f.incidents.deaths[0]).toMatchObject({ pid: 4321, comm: 'node' });
    expect(f.incidents.deaths[0].details).toMatchObject({
      memcg: '/system.slice/app.service',
      uid: 1000,
      limitKb: 524288,
      usageKb: 524288,
    });
  });

  test('4.14 sacrifice child: the killed line names the victim; reaped', () => {
    const d = loadFixture('written/dmesg-4.14-sacrifice-child.txt').incidents.deaths;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ pid: 101, comm: 'python' });
    expect(d[0].details).toMatchObject({ selected: '100', reaped: true, triggeredBy: 'stress' });
  });

  test('4.19 memcg summary with a comma-separated mems_allowed', () => {
    const f = loadFixture('written/dmesg-4.19-memcg-oom.txt');
    const summary = f.events.find((e) => e.event.type === 'oom-summary');
    expect(summary?.event).toEqual({
      type: 'oom-summary',
      constraint: 'CONSTRAINT_MEMCG',
      oomMemcg: '/docker/abc123',
      taskMemcg: '/docker/abc123',
      comm: 'worker',
      pid: 3210,
      uid: 0,
    });
    expect(f.incidents.deaths).toHaveLength(1);
    expect(f.incidents.deaths[0].details).toMatchObject({ memcg: '/docker/abc123', limitKb: 102400, score: 1990 });
  });

  test('5.1 global OOM: global_oom, "Out of memory: Killed process"', () => {
    const d = loadFixture('written/dmesg-5.1-global-oom.txt').incidents.deaths;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ pid: 6543, comm: 'chrome' });
    expect(d[0].details).toMatchObject({
      constraint: 'CONSTRAINT_NONE',
      memcg: null,
      oomKind: 'Out of memory',
      shmemRssKb: 4000,
    });
  });

  test('5.4 memcg (kmsg): UID/pgtables/oom_score_adj, reaped', () => {
    const d = loadFixture('written/kmsg-5.4-memcg-oom.txt').incidents.deaths;
    expect(d).toHaveLength(1);
    expect(d[0].details).toMatchObject({
      memcg: '/system.slice/stress.service',
      pgtablesKb: 180,
      uid: 0,
      reaped: true,
      triggeredByPid: 777,
    });
  });

  test('5.10 oom_kill_allocating_task + unable to reap', () => {
    const d = loadFixture('written/kmsg-5.10-allocating-task.txt').incidents.deaths;
    expect(d).toHaveLength(1);
    expect(d[0].details).toMatchObject({
      oomKind: 'Out of memory (oom_kill_allocating_task)',
      reaped: false,
      uid: 1000,
    });
  });

  test('segfault variants with and without " in ..."', () => {
    const d = loadFixture('written/dmesg-4.x-segfaults.txt').incidents.deaths;
    expect(d.map((x) => [x.pid, x.details.errorCode, x.details.library ?? null, x.details.mapping ?? null])).toEqual([
      [1234, 4, 'a.out', '400000+1000'],
      [2222, 6, null, null],
      [3333, 0x15, null, null],
    ]);
  });

  test('3.x traps without prefix, older "general protection", int3, stack segment', () => {
    const d = loadFixture('written/dmesg-3.x-traps.txt').incidents.deaths;
    expect(d.map((x) => [x.pid, x.details.trap, x.signal])).toEqual([
      [1234, 'divide error', 'SIGFPE'],
      [4321, 'general protection', 'SIGSEGV'],
      [5000, 'int3', 'SIGTRAP'],
      [5001, 'stack segment', 'SIGBUS'],
    ]);
  });

  test('hung tasks are information, not deaths', () => {
    const f = loadFixture('written/dmesg-hung-task.txt');
    expect(f.incidents.deaths).toEqual([]);
    expect(f.incidents.hungTasks.map((h) => [h.pid, h.comm, h.seconds])).toEqual([
      [312, 'jbd2/sda1-8', 120],
      [999, 'a:b c', 241],
    ]);
  });

  test('audit ANOM_ABEND: quoted and hex comm', () => {
    const d = loadFixture('written/dmesg-audit-1701.txt').incidents.deaths;
    expect(d.map((x) => [x.pid, x.comm, x.kind, x.signal, x.details.exe])).toEqual([
      [5555, 'myprog', 'signal', 'SIGSEGV', '/usr/local/bin/myprog'],
      [6666, 'my prog', 'signal', 'SIGABRT', '/opt/my prog/bin'],
    ]);
  });

  test('journalctl -k -o short-monotonic', () => {
    const f = loadFixture('written/journal-short-monotonic-5.15.txt');
    expect(f.format).toBe('journal-short-monotonic');
    expect(f.incidents.deaths[0]).toMatchObject({ pid: 8080, comm: 'php-fpm' });
    expect(f.incidents.deaths[0].details).toMatchObject({ memcg: '/system.slice/php-fpm.service', uid: 33 });
  });

  test('journalctl -o json of an earlier boot: realtime clock and boot id', () => {
    const f = loadFixture('written/journal-json-6.1-previous-boot.txt');
    expect(f.format).toBe('journal-json');
    expect(f.records).toHaveLength(1);
    expect(f.incidents.deaths[0]).toMatchObject({
      pid: 4000,
      boot: '0123456789abcdef0123456789abcdef',
      timeMs: 1700000100000,
    });
    expect(f.incidents.deaths[0].details).toMatchObject({ cpu: 3, errorCode: 4, address: '10' });
  });
});
