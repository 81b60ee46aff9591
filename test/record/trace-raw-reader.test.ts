/**
 * The binary reader on a real tracing instance (root): a process renamed to bytes that break text parsing
 * (newline, a fake line prefix, ESC, invalid UTF-8) is killed, and the reader delivers its signal_generate
 * and sched_process_exit with the exact name, in clock order across CPUs. Then the exit paths of a process
 * holding a raw reader (SIGTERM, SIGINT, an uncaught exception): the instance is removed on each, per-CPU
 * files closed first (rmdir is EBUSY while one is open).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createInstance, TraceInstance } from '../../src/source/trace/tracefs';
import { commonFields, readFormats, traceEventDecoders } from '../../src/source/trace/raw-events';
import type { TraceEvent } from '../../src/source/trace/parse';
import type { RawReader } from '../../src/source/trace/raw-reader';
import { decodeNameBytes } from '../../src/util/name-bytes';
import { cleanupProcesses, isRoot, track, waitFor } from '../helpers/processes';

const root = isRoot();
const maybe = root ? describe : describe.skip;
if (!root) console.log('skipping raw trace reader tests: tracefs needs root');

const INSTANCES = '/sys/kernel/tracing/instances';
const DIST = path.resolve(__dirname, '../../dist/src/source/trace');
const PYTHON = ['/usr/bin/python3', '/bin/python3'].find((p) => fs.existsSync(p)) ?? 'python3';

maybe('the binary trace reader', () => {
  let inst: TraceInstance | null = null;
  let reader: RawReader | null = null;
  afterEach(() => {
    inst?.remove();
    inst = null;
    cleanupProcesses();
  });

  it('delivers a hostile name byte for byte, events in clock order', async () => {
    inst = createInstance('whydied-test');
    const events = ['signal/signal_generate', 'sched/sched_process_exit', 'task/task_rename'];
    inst.enable('signal/signal_generate', 'sig == 15');
    inst.enable('sched/sched_process_exit');
    inst.enable('task/task_rename');
    const formats = readFormats(inst.dir, events);
    const got: TraceEvent[] = [];
    reader = inst.openRaw<TraceEvent>({
      typeOf: commonFields([...formats.values()][0]).type,
      decoders: traceEventDecoders(formats),
      onEvent: (e) => got.push(e),
      onLost: () => undefined,
    });
    inst.start();
    const name = Buffer.from('\nx-1 [0] 1: \x1b\xff', 'latin1'); // 15 bytes: a whole comm
    const child = spawn(
      PYTHON,
      [
        '-c',
        'import ctypes,sys,time; ctypes.CDLL(None).prctl(15, bytes.fromhex(sys.argv[1]), 0, 0, 0); print(1, flush=True); time.sleep(60)',
        name.toString('hex'),
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const pid = track(child.pid as number);
    await new Promise((r) => child.stdout?.once('data', r));
    child.kill('SIGTERM');
    const expected = decodeNameBytes(name);
    const ended = await waitFor(() => got.some((e) => e.event === 'sched_process_exit' && e.pid === pid), 10000);
    expect(ended).toBe(true);
    // exec names it python3, then prctl renames it: the rename carries both names.
    const renames = got.filter((e) => e.event === 'task_rename' && e.pid === pid);
    expect(renames[renames.length - 1]).toMatchObject({ oldComm: 'python3', newComm: expected });
    expect(got.find((e) => e.event === 'signal_generate' && e.pid === pid)).toMatchObject({
      sig: 15,
      comm: expected,
      taskPid: process.pid,
    });
    expect(got.find((e) => e.event === 'sched_process_exit' && e.pid === pid)).toMatchObject({ comm: expected });
    // Merged across CPUs by timestamp, as trace_pipe does.
    for (let i = 1; i < got.length; i++) expect(got[i].ts).toBeGreaterThanOrEqual(got[i - 1].ts);
    expect(reader.stats.badRecords).toBe(0);
    const dir = inst.dir;
    expect(inst.remove()).toBe(true);
    expect(reader.closed).toBe(true);
    expect(fs.existsSync(dir)).toBe(false);
  });

  const SCRIPT = `
    const { createInstance } = require(${JSON.stringify(path.join(DIST, 'tracefs.js'))});
    const { commonFields, readFormats, traceEventDecoders } = require(${JSON.stringify(path.join(DIST, 'raw-events.js'))});
    const inst = createInstance('whydied-test');
    inst.enable('sched/sched_process_exit');
    const f = readFormats(inst.dir, ['sched/sched_process_exit']);
    inst.openRaw({ typeOf: commonFields([...f.values()][0]).type, decoders: traceEventDecoders(f), onEvent() {}, onLost() {} });
    inst.start();
    console.log(inst.name);
    if (process.argv[1] === 'crash') setTimeout(() => { throw new Error('boom'); }, 200);
    setInterval(() => {}, 1000);
  `;

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['crash', 1],
  ])('a reader ended by %s leaves no instance', async (how, code) => {
    const child = spawn(process.execPath, ['-e', SCRIPT, how], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child.pid as number);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(await waitFor(() => /whydied-test-/.test(out), 10000)).toBe(true);
    const name = out.trim();
    expect(fs.existsSync(path.join(INSTANCES, name))).toBe(true);
    if (how !== 'crash') child.kill(how as NodeJS.Signals);
    expect(await exited).toBe(code);
    expect(fs.existsSync(path.join(INSTANCES, name))).toBe(false);
  });
});
