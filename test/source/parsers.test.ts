/** Parser properties: hostile names never confuse stat, masks and tty numbers round-trip, garbage never throws. */
import fc from 'fast-check';
import { parseStat } from '../../src/source/parse-stat';
import { parseStatus } from '../../src/source/parse-status';
import { decodeSignalMask, encodeSignalMask, signalName, signalNumber } from '../../src/source/signals';
import { decodeTtyNr, encodeTtyNr } from '../../src/source/tty';
import { parseCgroupFile } from '../../src/source/parse-cgroup';
import { classifyFdTarget } from '../../src/source/fd-target';
import { parseTcpListeners } from '../../src/source/parse-net';
import { parseBootTime, parseCmdline, parseFdinfoMode, parseUptime } from '../../src/source/parse-host';

/** Characters a hostile comm likes: parens, spaces, newlines, escapes, digits. */
const hostileChar = fc.constantFrom(')', '(', ' ', '\n', '\x1b', '[', 'a', 'Z', '0', '9', ':', '\t', '\\', 'é');
const hostileComm = fc.array(hostileChar, { maxLength: 24 }).map((cs) => cs.join(''));

function statLine(pid: number, comm: string, ppid: number, ttyNr: number, start: number): string {
  return (
    `${pid} (${comm}) S ${ppid} ${pid} ${pid} ${ttyNr} -1 4194560 120 0 0 0 7 3 0 0 20 0 1 0 ${start} ` +
    `8192000 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`
  );
}

describe('parseStat', () => {
  test('real-looking line', () => {
    const s = parseStat(statLine(42, 'sleep', 7, 34816, 12345));
    expect(s).toMatchObject({ pid: 42, comm: 'sleep', state: 'S', ppid: 7, pgrp: 42, session: 42, ttyNr: 34816 });
    expect(s).toMatchObject({
      tpgid: -1,
      utime: 7,
      stime: 3,
      numThreads: 1,
      startTime: 12345,
      vsize: 8192000,
      rssPages: 250,
    });
  });

  test('hostile comm round-trips and never shifts fields', () => {
    fc.assert(
      fc.property(
        hostileComm,
        fc.integer({ min: 1, max: 4194304 }),
        fc.integer({ min: 0, max: 4194304 }),
        fc.nat(),
        (comm, pid, ppid, start) => {
          const s = parseStat(statLine(pid, comm, ppid, 0, start));
          expect(s).not.toBeNull();
          expect(s?.comm).toBe(comm);
          expect(s?.pid).toBe(pid);
          expect(s?.ppid).toBe(ppid);
          expect(s?.startTime).toBe(start);
          expect(s?.state).toBe('S');
        },
      ),
    );
  });

  test('arbitrary strings never throw', () => {
    fc.assert(fc.property(fc.string(), (t) => void parseStat(t)));
    fc.assert(fc.property(fc.fullUnicodeString(), (t) => void parseStat(`1 (${t}`)));
    expect(parseStat('')).toBeNull();
    expect(parseStat('12 (x) S 1 2')).toBeNull();
    expect(parseStat('abc (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21')).toBeNull();
  });
});

describe('parseStatus', () => {
  const status = (name: string, ign = '0000000000000001') =>
    [
      `Name:\t${name}`,
      'Umask:\t0022',
      'State:\tS (sleeping)',
      'Tgid:\t77',
      'Ngid:\t0',
      'Pid:\t77',
      'PPid:\t1',
      'Uid:\t1000\t1000\t1000\t1000',
      'Gid:\t100\t100\t100\t100',
      'NSpid:\t77\t3',
      'VmRSS:\t    1234 kB',
      'SigQ:\t0/63338',
      'SigPnd:\t0000000000000000',
      'ShdPnd:\t0000000000000000',
      'SigBlk:\t0000000000010000',
      `SigIgn:\t${ign}`,
      'SigCgt:\t0000000180004002',
      'Kthread:\t0',
      '',
    ].join('\n');

  test('fields and masks', () => {
    const s = parseStatus(status('sleep'));
    expect(s).toEqual({
      name: 'sleep',
      state: 'S (sleeping)',
      tgid: 77,
      ppid: 1,
      uid: [1000, 1000, 1000, 1000],
      gid: [100, 100, 100, 100],
      sigPnd: 0n,
      shdPnd: 0n,
      sigBlk: 0x10000n,
      sigIgn: 1n,
      sigCgt: 0x180004002n,
      vmRssKb: 1234,
      nsPid: [77, 3],
      kthread: false,
      tracerPid: 0,
    });
    expect(decodeSignalMask(s?.sigIgn ?? 0n)).toEqual(['SIGHUP']);
  });

  test('random masks survive parsing', () => {
    fc.assert(
      fc.property(fc.bigUintN(64), (m) => {
        const s = parseStatus(status('x', m.toString(16).padStart(16, '0')));
        expect(s?.sigIgn).toBe(m);
      }),
    );
  });

  test('a name that fakes later fields does not override them', () => {
    const s = parseStatus(status('evil\\nPPid:\t999'));
    expect(s?.ppid).toBe(1);
  });

  test('missing optional fields become null; garbage never throws', () => {
    const kernelThread = status('kthreadd')
      .replace(/VmRSS.*\n/, '')
      .replace(/Kthread.*\n/, '');
    expect(parseStatus(kernelThread)).toMatchObject({ vmRssKb: null, kthread: null });
    expect(parseStatus('Name:\tx\n')).toBeNull();
    fc.assert(fc.property(fc.string(), (t) => void parseStatus(t)));
  });
});

describe('signals', () => {
  test('names and numbers', () => {
    expect(signalName(1)).toBe('SIGHUP');
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(15)).toBe('SIGTERM');
    expect(signalName(31)).toBe('SIGSYS');
    expect(signalName(32)).toBe('SIGRTMIN');
    expect(signalName(34)).toBe('SIGRTMIN+2');
    expect(signalNumber('hup')).toBe(1);
    expect(signalNumber('SIGPIPE')).toBe(13);
    expect(signalNumber('SIGRTMAX')).toBe(64);
    expect(signalNumber('SIGRTMAX-1')).toBe(63);
    expect(signalNumber('nonsense')).toBeNull();
  });

  test('every signal number round-trips through its name', () => {
    for (let n = 1; n <= 64; n++) expect(signalNumber(signalName(n))).toBe(n);
  });

  test('random masks round-trip', () => {
    fc.assert(fc.property(fc.bigUintN(64), (m) => expect(encodeSignalMask(decodeSignalMask(m))).toBe(m)));
  });
});

describe('decodeTtyNr', () => {
  test('known devices', () => {
    expect(decodeTtyNr(0)).toEqual({ nr: 0, major: 0, minor: 0, name: null });
    expect(decodeTtyNr(34816).name).toBe('pts/0'); // 136 << 8
    expect(decodeTtyNr(34819).name).toBe('pts/3');
    expect(decodeTtyNr(encodeTtyNr(137, 4)).name).toBe('pts/260');
    expect(decodeTtyNr(1025).name).toBe('tty1');
    expect(decodeTtyNr(encodeTtyNr(4, 64)).name).toBe('ttyS0');
    expect(decodeTtyNr(encodeTtyNr(5, 1)).name).toBe('console');
    expect(decodeTtyNr(encodeTtyNr(188, 0)).name).toBe('char:188:0');
  });

  test('major/minor round-trip, including minors above 255', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 0xfffff }), (major, minor) => {
        const t = decodeTtyNr(encodeTtyNr(major, minor));
        expect([t.major, t.minor]).toEqual([major, minor]);
        if (major >= 136 && major <= 143 && minor < 256) expect(t.name).toBe(`pts/${(major - 136) * 256 + minor}`);
      }),
    );
  });

  test('never throws', () => {
    fc.assert(fc.property(fc.integer(), (n) => void decodeTtyNr(n)));
  });
});

describe('parseCgroupFile', () => {
  test('v1, named and v2 lines; paths with colons', () => {
    expect(parseCgroupFile('4:memory:/a/b\n1:name=systemd:/user.slice\n0::/x:y\n')).toEqual([
      { hierarchy: 4, controllers: ['memory'], path: '/a/b' },
      { hierarchy: 1, controllers: ['name=systemd'], path: '/user.slice' },
      { hierarchy: 0, controllers: [], path: '/x:y' },
    ]);
    expect(parseCgroupFile('3:cpu,cpuacct:/')).toEqual([{ hierarchy: 3, controllers: ['cpu', 'cpuacct'], path: '/' }]);
  });

  test('generated entries round-trip; garbage never throws', () => {
    const segment = fc.stringMatching(/^[a-z0-9.@:_ -]{1,12}$/);
    fc.assert(
      fc.property(
        fc.nat(20),
        fc.array(fc.stringMatching(/^[a-z_=]{1,8}$/), { maxLength: 3 }),
        fc.array(segment, { maxLength: 4 }),
        (h, ctrls, segs) => {
          const path = `/${segs.join('/')}`;
          expect(parseCgroupFile(`${h}:${ctrls.join(',')}:${path}\n`)).toEqual([
            { hierarchy: h, controllers: ctrls, path },
          ]);
        },
      ),
    );
    fc.assert(fc.property(fc.string(), (t) => void parseCgroupFile(t)));
  });
});

describe('classifyFdTarget', () => {
  test.each([
    ['/dev/pts/3', 'tty', undefined],
    ['/dev/tty1', 'tty', undefined],
    ['pipe:[12345]', 'pipe', 12345],
    ['socket:[99]', 'socket', 99],
    ['/dev/null', 'devnull', undefined],
    ['/tmp/app.log (deleted)', 'deleted-file', undefined],
    ['anon_inode:[eventpoll]', 'anon', undefined],
    ['/var/log/x y\n(z).log', 'file', undefined],
    ['net:[4026531840]', 'other', undefined],
  ])('%j -> %s', (link, kind, inode) => {
    const c = classifyFdTarget(link);
    expect(c.kind).toBe(kind);
    expect(c.inode).toBe(inode);
  });

  test('never throws', () => {
    fc.assert(fc.property(fc.string(), (t) => void classifyFdTarget(t)));
  });
});

describe('parseTcpListeners', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:1F90 0100007F:D3A2 01 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 20 4 30 10 -1',
  ].join('\n');
  const tcp6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0',
    '   1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 100 0 0 10 0',
  ].join('\n');

  test('only LISTEN, port and address decoded', () => {
    expect(parseTcpListeners(tcp, 'tcp')).toEqual([{ port: 8080, inode: 4242, family: 'tcp', address: '127.0.0.1' }]);
    expect(parseTcpListeners(tcp6, 'tcp6')).toEqual([
      { port: 22, inode: 777, family: 'tcp6', address: '::1' },
      { port: 80, inode: 778, family: 'tcp6', address: '::ffff:127.0.0.1' },
    ]);
  });

  test('never throws', () => {
    fc.assert(fc.property(fc.string(), (t) => void parseTcpListeners(t, 'tcp6')));
  });
});

describe('host and small parsers', () => {
  test('values', () => {
    expect(parseBootTime('cpu  1 2 3\nbtime 1700000000\nprocesses 5\n')).toBe(1700000000);
    expect(parseBootTime('nothing')).toBeNull();
    expect(parseUptime('306.10 580.22\n')).toBe(306.1);
    expect(parseCmdline('sleep\u0000100\u0000')).toEqual(['sleep', '100']);
    expect(parseCmdline('a b\u0000\u0000c\u0000')).toEqual(['a b', '', 'c']);
    expect(parseCmdline('')).toEqual([]);
    expect(parseFdinfoMode('pos:\t0\nflags:\t0100000\nmnt_id:\t15\n')).toBe('r');
    expect(parseFdinfoMode('pos:\t0\nflags:\t02000001\n')).toBe('w');
    expect(parseFdinfoMode('flags:\t02\n')).toBe('?');
  });

  test('never throw', () => {
    fc.assert(
      fc.property(fc.string(), (t) => {
        parseBootTime(t);
        parseUptime(t);
        parseCmdline(t);
        parseFdinfoMode(t);
      }),
    );
  });
});

describe('parseStat: the fast field reader agrees with the general one', () => {
  // The kernel's layout (single spaces) takes the hand-written reader; the same line with doubled spaces
  // takes the general split. Both must give the same numbers, long and negative ones included.
  const num = fc.oneof(
    fc.integer({ min: -2147483648, max: 2147483647 }).map(String),
    fc.bigInt({ min: 0n, max: 99999999999999999999n }).map(String),
    fc.constantFrom('0', '-0', '18446744073709551615', '9007199254740993', '4294967295'),
  );
  test('random stat lines', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4194304 }),
        fc.string({ minLength: 1, maxLength: 15 }).filter((c) => !c.includes('\n')),
        fc.constantFrom('R', 'S', 'D', 'Z', 'T', 'I'),
        fc.array(num, { minLength: 49, maxLength: 49 }),
        (pid, comm, state, fields) => {
          const line = `${pid} (${comm}) ${state} ${fields.join(' ')}\n`;
          const general = `${pid} (${comm})  ${state}  ${fields.join('  ')}\n`;
          const fast = parseStat(line);
          expect(fast).not.toBeNull();
          expect(fast).toEqual(parseStat(general));
        },
      ),
      { seed: 1022, numRuns: 500 },
    );
  });
});
