/**
 * The recorder's loss guarantee, measured (README "What a kill -9 or a full disk may lose"):
 * - an exit storm with the recorder killed (SIGKILL) mid-storm: every exit older than LOSS_WINDOW_MS at the
 *   kill is in the store (records are written after each batch read, before the next), and the next recorder
 *   counts the killed one in its status (lost.killed);
 * - a full state dir: no torn line, the loss counted in the status file (kept current), the error logged
 *   once, not per batch; recording resumes when there is room again.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isAlive, isRoot, track, waitFor } from '../helpers/processes';

const root = isRoot();
const maybe = root ? describe : describe.skip;
if (!root) console.log('skipping recorder loss tests: the recorder needs root (tracefs), a full disk needs a tmpfs');

const CLI = path.resolve(__dirname, '../../dist/whydied.js');
/** The stated bound: an exit is in the store this long after it happened, while the recorder runs. */
const LOSS_WINDOW_MS = 100;

interface Rec {
  pid: number;
  comm: string;
  ppid: number;
}

function readLines(dir: string): string[] {
  const out: string[] = [];
  for (const f of ['records.1.jsonl', 'records.jsonl']) {
    try {
      out.push(...fs.readFileSync(path.join(dir, f), 'utf8').split('\n'));
    } catch {
      /* not there */
    }
  }
  return out.filter((l) => l !== '');
}
const readRecs = (dir: string): Rec[] => readLines(dir).map((l) => JSON.parse(l) as Rec);

interface Running {
  child: ChildProcess;
  stderr: () => string;
}

async function startRecorder(dir: string): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'record', '--state-dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  track(child.pid as number);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const ready = await waitFor(() => /recording: instance/.test(err), 15000);
  if (!ready) throw new Error(`recorder did not start: ${err}`);
  return { child, stderr: () => err };
}

/**
 * The status file. On a full disk it is rewritten in place (no room for a fresh copy), so a read that meets
 * the write in progress may see a mix: read again, as a metrics reader would at its next scrape.
 */
function status(dir: string): { lost: Record<string, number>; records: number } {
  for (let i = 0; ; i++) {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'record.status.json'), 'utf8')) as {
        lost: Record<string, number>;
        records: number;
      };
    } catch (e) {
      if (i >= 5) throw e;
    }
  }
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-loss-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

maybe('kill -9 of the recorder during an exit storm', () => {
  it(`loses no exit older than ${LOSS_WINDOW_MS} ms at the kill, over 3 kills; the next recorder counts each`, async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'storm-'));
    const figures: string[] = [];
    for (let round = 0; round < 3; round++) {
      const rec = await startRecorder(dir);
      if (round > 0) {
        expect(rec.stderr()).toMatch(/previous recorder \(pid \d+\) did not stop cleanly/);
        expect(status(dir).lost.killed).toBe(1);
      }
      // Each exit logged with its time by the storm shell itself ($EPOCHREALTIME: no fork).
      const log = path.join(dir, `storm-${round}.log`);
      const storm = spawn(
        'bash',
        ['-c', `for i in $(seq 3000); do /bin/true & wait $!; echo "$! $EPOCHREALTIME"; done >${log}`],
        { stdio: 'ignore' },
      );
      track(storm.pid as number);
      await waitFor(() => fs.existsSync(log) && fs.statSync(log).size > 600 * 24, 20000, 5);
      const killedAt = Date.now();
      process.kill(rec.child.pid as number, 'SIGKILL');
      await new Promise((r) => storm.on('exit', r));
      await waitFor(() => !isAlive(rec.child.pid as number), 5000);
      const stored = new Set(readRecs(dir).map((r) => r.pid));
      const exits = fs
        .readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([pid, t]) => ({ pid: Number(pid), ms: Number(t.replace(',', '.')) * 1000 }));
      const before = exits.filter((e) => e.ms < killedAt - LOSS_WINDOW_MS);
      const lost = before.filter((e) => !stored.has(e.pid));
      const lostAny = exits.filter((e) => e.ms < killedAt && !stored.has(e.pid));
      figures.push(
        `round ${round}: ${before.length} exits older than ${LOSS_WINDOW_MS} ms at the kill, ${lost.length} missing; ${lostAny.length} missing of the ${exits.filter((e) => e.ms < killedAt).length} before the kill`,
      );
      expect(before.length).toBeGreaterThan(300);
      expect(lost).toEqual([]);
      // No torn line either.
      for (const l of readLines(dir)) expect(() => JSON.parse(l)).not.toThrow();
    }
    console.log(figures.join('\n'));
    const last = await startRecorder(dir);
    expect(status(dir).lost.killed).toBe(1);
    last.child.kill('SIGTERM');
    await new Promise((r) => last.child.on('exit', r));
  }, 120000);
});

maybe('a full state dir', () => {
  let mnt: string;
  beforeAll(() => {
    mnt = fs.mkdtempSync(path.join(tmp, 'tmpfs-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'whydied-test', mnt], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`cannot mount a tmpfs: ${r.stderr}`);
  });
  afterAll(() => {
    spawnSync('umount', ['-l', mnt]);
  });

  it('record: a full disk is counted, logged once, leaves no torn line, and recording resumes with room', async () => {
    const rec = await startRecorder(mnt);
    // Fill the disk to the last byte.
    const filler = path.join(mnt, 'filler');
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(4096, 1);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch {
      /* ENOSPC: full */
    }
    try {
      for (;;) fs.writeSync(fd, chunk, 0, 1);
    } catch {
      /* and the last bytes */
    }
    fs.closeSync(fd);
    // Several batches of exits while full.
    for (let i = 0; i < 5; i++) {
      spawnSync('bash', ['-c', 'for i in $(seq 100); do /bin/true; done']);
      await waitFor(() => status(mnt).lost.unwritten >= (i + 1) * 50, 3000, 50);
    }
    // The status file is rewritten every 5 s (STATUS_MS) and at the first write error: poll past a period.
    expect(await waitFor(() => status(mnt).lost.unwritten >= 250, 15000, 100)).toBe(true);
    const lost = status(mnt).lost.unwritten;
    const lines = readLines(mnt);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    const text = fs.existsSync(path.join(mnt, 'records.jsonl'))
      ? fs.readFileSync(path.join(mnt, 'records.jsonl'), 'utf8')
      : '';
    expect(text === '' || text.endsWith('\n')).toBe(true);
    expect(rec.stderr().match(/cannot write records/g)).toHaveLength(1);
    // Room again: the next exits are recorded.
    fs.unlinkSync(filler);
    const marker = spawnSync('bash', ['-c', 'echo $$; exit 7'], { encoding: 'utf8' });
    const pid = Number(marker.stdout.trim());
    expect(await waitFor(() => readRecs(mnt).some((r) => r.pid === pid), 5000)).toBe(true);
    rec.child.kill('SIGTERM');
    await new Promise((r) => rec.child.on('exit', r));
    // Other processes on the machine kept exiting while it was full: the count only grew.
    expect(status(mnt).lost.unwritten).toBeGreaterThanOrEqual(lost);
  }, 60000);

  it('record on a read-only or a full state dir: one line, exit 2, no empty record.pid', () => {
    const fill = (): void => {
      const fd = fs.openSync(path.join(mnt, 'filler'), 'w');
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
      } catch {
        /* full */
      }
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(1, 1));
      } catch {
        /* to the last byte */
      }
      fs.closeSync(fd);
    };
    const run = () =>
      spawnSync(process.execPath, [CLI, 'record', '--state-dir', mnt], { encoding: 'utf8', timeout: 15000 });
    fs.rmSync(path.join(mnt, 'record.pid'), { force: true });
    fill();
    const full = run();
    expect({ status: full.status, stderr: full.stderr }).toEqual({
      status: 2,
      stderr: expect.stringMatching(/^whydied: cannot .*record\.pid: ENOSPC\n$/),
    });
    expect(fs.existsSync(path.join(mnt, 'record.pid'))).toBe(false);
    fs.unlinkSync(path.join(mnt, 'filler'));
    expect(spawnSync('mount', ['-o', 'remount,ro', mnt]).status).toBe(0);
    try {
      const ro = run();
      expect({ status: ro.status, stderr: ro.stderr }).toEqual({
        status: 2,
        stderr: expect.stringMatching(/^whydied: cannot .*record\.pid: EROFS\n$/),
      });
    } finally {
      spawnSync('mount', ['-o', 'remount,rw', mnt]);
    }
  });
});
