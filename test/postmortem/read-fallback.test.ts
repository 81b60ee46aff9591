/**
 * readKernelLog's fallbacks (kmsg -> dmesg -> journalctl), what it says it could not read, the
 * check's no-record finding, and dead-by-name — over the live source with the kernel-log reads
 * answered from REAL fixtures.
 */
import { spawnSync } from 'child_process';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { readKernelLog } from '../../src/source/kernel-log/read';
import { findDeadByName } from '../../src/source/kernel-log/dead-by-name';
import { kernelLog } from '../../checks/kernel-log';
import type { RawSource, Read } from '../../src/source/types';
import { fixtureText } from './load-fixture';
import { createCheckContext } from '../../src/engine/context';

type Answers = { kmsg: Read<string>; command: (argv: readonly string[]) => Read<string>; journalFiles?: string[] };

function source(a: Answers): RawSource {
  const live = createLiveSource();
  return {
    kind: 'live',
    readText: (p) => live.readText(p),
    readLink: (p) => live.readLink(p),
    // A journal exists only where the test says so (this machine has none).
    listDir: (p) =>
      a.journalFiles && p === '/run/log/journal' ? { ok: true, value: a.journalFiles } : live.listDir(p),
    envNames: (pid, w) => live.envNames(pid, w),
    readKmsg: () => a.kmsg,
    command: (argv) => a.command(argv),
    hostname: () => live.hostname(),
    now: () => live.now(),
  };
}

const EPERM: Read<string> = { ok: false, code: 'EPERM', message: 'open /dev/kmsg: operation not permitted' };
const ENOENT: Read<string> = { ok: false, code: 'ENOENT', message: 'spawn journalctl ENOENT' };
const deadPid = (): number => Number(String(spawnSync('sh', ['-c', 'echo $$']).stdout).trim());

describe('readKernelLog fallbacks', () => {
  test('kmsg denied (dmesg_restrict) -> dmesg --raw, and it says why', () => {
    const asked: string[] = [];
    const facts = createFacts(
      source({
        kmsg: EPERM,
        command: (argv) => {
          asked.push(argv.join(' '));
          return argv[0] === 'dmesg' ? { ok: true, value: fixtureText('real/dmesg-raw-6.18.txt') } : ENOENT;
        },
      }),
    );
    const log = readKernelLog(facts);
    expect(log.source).toBe('dmesg');
    expect(asked[0]).toBe('dmesg --raw');
    expect(log.unreadable.join('\n')).toContain('dmesg_restrict');
    expect(log.records.length).toBeGreaterThan(5);
    expect(readKernelLog(facts)).toBe(log); // memoised per Facts
    // Dead by name, newest first.
    expect(findDeadByName('python3', facts).map((d) => d.pid)).toEqual([4479, 4436]);
    expect(findDeadByName('nosuchname', facts)).toEqual([]);
  });

  test('nothing readable -> the check says what it searched and what it could not read', async () => {
    const facts = createFacts(source({ kmsg: EPERM, command: (argv) => (argv[0] === 'dmesg' ? EPERM : ENOENT) }));
    const log = readKernelLog(facts);
    expect(log.source).toBeNull();
    const pid = deadPid();
    const f = await kernelLog.run(createCheckContext(facts, { query: String(pid), pid, startTime: null, name: 'x' }));
    expect(f.status).toBe('info');
    expect(f.code).toBe('no-record');
    const text = (f.details ?? []).join('\n');
    expect(text).toContain('/dev/kmsg: permission denied');
    expect(text).toContain('journalctl');
    expect(text).toContain('whydied watch');
  });

  test('kmsg and dmesg fail -> journalctl -k -o json of the current boot', () => {
    const facts = createFacts(
      source({
        kmsg: EPERM,
        journalFiles: ['system.journal'],
        command: (argv) => {
          if (argv[0] === 'dmesg') return EPERM;
          if (argv.includes('0'))
            return {
              ok: true,
              value:
                '{"MESSAGE":"traps: dz[77] trap divide error ip:1 sp:2 error:0 in dz[1000+1000]","_SOURCE_MONOTONIC_TIMESTAMP":"5000000"}\n',
            };
          return { ok: true, value: '' };
        },
      }),
    );
    const log = readKernelLog(facts);
    expect(log.source).toBe('journalctl');
    expect(log.records).toHaveLength(1);
    expect(log.records[0].timeMs).toBe(facts.host().bootTime * 1000 + 5000);
  });

  test('kmsg and dmesg fail and no journal exists -> nothing read, journalctl not run, and the check says so', async () => {
    const asked: string[][] = [];
    const facts = createFacts(
      source({
        kmsg: EPERM,
        command: (argv) => {
          asked.push([...argv]);
          return argv[0] === 'dmesg' ? EPERM : { ok: true, value: '' };
        },
      }),
    );
    const log = readKernelLog(facts);
    expect(log.source).toBeNull();
    expect(asked.some((a) => a[0] === 'journalctl')).toBe(false);
    expect(log.unreadable.join('\n')).toMatch(/dmesg_restrict/);
    const pid = process.pid;
    const f = await kernelLog.run(createCheckContext(facts, { query: String(pid), pid, startTime: null, name: null }));
    expect(f).toMatchObject({ status: 'info', code: 'unreadable' });
    expect(f.summary).toMatch(/Could not read the kernel log/);
  });

  test('an alive process whose pid was used by a process that died earlier -> pid-reused info, not its death', async () => {
    const pid = process.pid;
    const facts = createFacts(
      source({
        kmsg: {
          ok: true,
          value: `6,1,1000,-;olddaemon[${pid}]: segfault at 0 ip 1 sp 2 error 4 in olddaemon[400000+1000]\n`,
        },
        command: () => ENOENT,
      }),
    );
    const f = await kernelLog.run(createCheckContext(facts, { query: String(pid), pid, startTime: null, name: null }));
    expect(f.code).toBe('pid-reused');
    expect(f.cause).toBeUndefined();
    expect(f.summary).toContain('not this one');
  });
});
