/** The record store (modes, rotation, torn lines) and the `records` check over real facts. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  readRecords,
  recordNeedles,
  saveRecord,
  saveRecords,
  scanRecords,
  RECORDS_FILE,
  ROTATED_FILE,
} from '../../src/source/records/store';
import { RecordWriter } from '../../src/record/recorder-writer';
import { stateDir } from '../../src/source/records/state-dir';
import type { DeathRecord } from '../../src/source/records/types';
import { records } from '../../checks/records';
import { createFacts } from '../../src/source/facts';
import { createLiveSource } from '../../src/source/live-source';
import type { CheckContext } from '../../src/engine/types';
import type { Read } from '../../src/source/types';
import { createCheckContext } from '../../src/engine/context';

const fsList = (p: string): Read<string[]> => {
  try {
    return { ok: true, value: fs.readdirSync(p) };
  } catch (e) {
    return { ok: false, code: 'ENOENT', message: String(e) };
  }
};
const fsText = (p: string): Read<string> => {
  try {
    return { ok: true, value: fs.readFileSync(p, 'utf8') };
  } catch (e) {
    return { ok: false, code: 'ENOENT', message: String(e) };
  }
};

const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

function rec(over: Partial<DeathRecord> = {}): DeathRecord {
  return {
    v: 1,
    pid: 4242424,
    startTime: 100,
    bootId,
    comm: 'worker',
    argvHead: ['/usr/bin/worker', '--x'],
    ppid: 1,
    pgid: 4242424,
    sid: 4242424,
    tty: null,
    cgroup: '/',
    seenAt: '2026-01-01T00:00:00.000Z',
    cause: {
      kind: 'signal',
      signal: 'SIGTERM',
      sender: { pid: 77, comm: 'killer', uid: 0 },
      source: 'watch',
      details: { backend: 'tracefs', groupDirected: true },
    },
    ...over,
  };
}

let dir: string;
const savedEnv = process.env.WHYDIED_STATE_DIR;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-store-'));
  process.env.WHYDIED_STATE_DIR = path.join(dir, 'state');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (savedEnv === undefined) delete process.env.WHYDIED_STATE_DIR;
  else process.env.WHYDIED_STATE_DIR = savedEnv;
});

describe('state dir', () => {
  it('env first, root default, XDG otherwise', () => {
    expect(stateDir({ WHYDIED_STATE_DIR: '/x/y' }, 1000)).toBe('/x/y');
    expect(stateDir({}, 0)).toBe('/var/lib/whydied');
    expect(stateDir({ XDG_STATE_HOME: '/s' }, 1000)).toBe('/s/whydied');
    expect(stateDir({ HOME: '/home/u' }, 1000)).toBe('/home/u/.local/state/whydied');
  });
});

describe('store', () => {
  it('creates dir 0700 and file 0600; round-trips; skips torn lines', () => {
    const file = saveRecord(rec());
    const sd = stateDir();
    expect(fs.statSync(sd).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.appendFileSync(file, '{"v":1,"pid":');
    saveRecord(rec({ pid: 5 }));
    const all = readRecords(fsList, fsText, sd);
    expect(all.map((r) => r.pid)).toEqual([4242424, 5]);
  });

  it('rotates at the cap and keeps the previous file', () => {
    const sd = stateDir();
    const one = JSON.stringify(rec()).length + 1;
    for (let i = 0; i < 10; i++) saveRecord(rec({ pid: i + 1 }), { capBytes: one * 4 });
    const names = fs.readdirSync(sd).sort();
    expect(names).toEqual([ROTATED_FILE, RECORDS_FILE].sort());
    expect(fs.statSync(path.join(sd, RECORDS_FILE)).size).toBeLessThanOrEqual(one * 4);
    const pids = readRecords(fsList, fsText, sd).map((r) => r.pid);
    expect(pids[pids.length - 1]).toBe(10);
    expect(pids.length).toBeLessThanOrEqual(8);
  });
});

describe('batch save', () => {
  it('saveRecords: one batch, one rotation at the cap, 0600, torn tail repaired; RecordWriter counts through it', () => {
    const sd = stateDir();
    const one = JSON.stringify(rec()).length + 1;
    expect(saveRecords([rec({ pid: 1 }), rec({ pid: 2 })], { capBytes: one * 3 })).toEqual({
      file: path.join(sd, RECORDS_FILE),
      rotated: false,
    });
    expect(fs.statSync(path.join(sd, RECORDS_FILE)).mode & 0o777).toBe(0o600);
    fs.appendFileSync(path.join(sd, RECORDS_FILE), '{"v":1,"pid":');
    // 2 records + a torn tail + 2 more would pass the cap: the whole batch starts the new file.
    expect(saveRecords([rec({ pid: 3 }), rec({ pid: 4 })], { capBytes: one * 3 }).rotated).toBe(true);
    expect(readRecords(fsList, fsText, sd).map((r) => r.pid)).toEqual([1, 2, 3, 4]);
    expect(fs.readFileSync(path.join(sd, ROTATED_FILE), 'utf8').split('\n')).toHaveLength(3);

    const w = new RecordWriter(sd, one * 3);
    for (const pid of [5, 6]) w.push(rec({ pid }));
    w.flush();
    expect({ written: w.written, rotations: w.rotations, pending: w.pending }).toEqual({
      written: 2,
      rotations: 1,
      pending: 0,
    });
    expect(readRecords(fsList, fsText, sd).map((r) => r.pid)).toEqual([3, 4, 5, 6]);
  });
});

function ctxFor(pid: number, startTime: number | null, name: string | null = null): CheckContext {
  return createCheckContext(createFacts(createLiveSource()), { query: String(pid), pid, startTime, name });
}

describe('filtered scan', () => {
  it('parses only lines that can match the pid or the name; counts every line', () => {
    const sd = stateDir();
    saveRecord(rec({ pid: 11, comm: 'a', argvHead: ['/opt/bin/web'] }));
    saveRecord(rec({ pid: 111, comm: 'b', argvHead: ['b'] }));
    saveRecord(rec({ pid: 12, comm: 'c', argvHead: ['c'], launch: { name: 'we"b', log: '/l' } }));
    saveRecord(rec({ pid: 13, comm: 'web', argvHead: ['x'] }));
    for (let i = 0; i < 50; i++) saveRecord(rec({ pid: 1000 + i, comm: 'other', argvHead: ['other'] }));
    const byPid = scanRecords(fsList, fsText, sd, recordNeedles(11, null));
    expect(byPid.records.map((r) => r.pid)).toEqual([11]);
    expect(byPid.lines).toBe(54);
    // argv[0] basename and comm; the escaped launch name matches only itself.
    expect(scanRecords(fsList, fsText, sd, recordNeedles(null, 'web')).records.map((r) => r.pid)).toEqual([11, 13]);
    expect(scanRecords(fsList, fsText, sd, recordNeedles(null, 'we"b')).records.map((r) => r.pid)).toEqual([12]);
    expect(scanRecords(fsList, fsText, sd, null).records).toHaveLength(54);
  });
});

describe('records check', () => {
  it('finds a dead pid by pid + boot id with cause source record', async () => {
    saveRecord(rec());
    const f = await records.run(ctxFor(4242424, null));
    expect(f.code).toBe('recorded-death');
    expect(f.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGTERM',
      source: 'record',
      sender: { pid: 77, comm: 'killer' },
    });
  });

  it('a record of cause unknown says what was seen, not a signal', async () => {
    saveRecord(rec({ cause: { kind: 'unknown', source: 'record', details: { recorder: true } } }));
    const f = await records.run(ctxFor(4242424, null));
    expect(f.code).toBe('recorded-death');
    expect(f.summary).toContain('ended; neither an exit call nor a fatal signal was seen');
    expect(f.summary).not.toMatch(/killed/);
  });

  it('start time must match when known; another boot is not this process', async () => {
    saveRecord(rec({ startTime: 100 }));
    expect((await records.run(ctxFor(4242424, 999))).code).toBe('pid-reused');
    fs.rmSync(stateDir(), { recursive: true });
    saveRecord(rec({ bootId: 'another-boot' }));
    expect((await records.run(ctxFor(4242424, null))).code).toBe('pid-reused');
  });

  it('a live process with the same pid as a record is reported as pid reuse', async () => {
    saveRecord(rec({ pid: process.pid, startTime: 1 }));
    expect((await records.run(ctxFor(process.pid, null))).code).toBe('pid-reused');
  });

  it('a record of another pid with the same name is shown as another process, never as the cause', async () => {
    saveRecord(rec());
    const f = await records.run(ctxFor(4242425, null, 'worker'));
    expect(f.code).toBe('same-name');
    expect(f.cause).toBeUndefined();
    expect(f.summary).toContain('another process with this name');
  });

  it('no record', async () => {
    expect((await records.run(ctxFor(4242424, null))).code).toBe('no-record');
  });
});

describe('watch pid validation', () => {
  // Imported here: run-watch pulls in the engine, which the other tests above do not need.
  const { parsePids } = require('../../src/cli/actions/run-watch') as typeof import('../../src/cli/actions/run-watch');
  it('digits in 1..pid_max only', () => {
    expect(parsePids(['1', '42'], 32768)).toEqual([1, 42]);
    for (const bad of ['0', '-5', 'abc', '12x', '', '40000']) expect(() => parsePids([bad], 32768)).toThrow(/pid/);
    expect(() => parsePids([], 32768)).toThrow(/at least one/);
  });
});
