/**
 * The recorder's decoders: binary ring-buffer records (src/source/trace/raw-reader.ts) -> the events the
 * recorder acts on. At thousands of exits per second every process costs four records (task_newtask,
 * sched_process_exec, sys_enter_exit_group, sched_process_exit), so those become small objects read straight
 * from their fields; the rare events (signal_generate, sys_kill, mark_victim) become the shared TraceEvent
 * (src/source/trace/raw-events.ts).
 *
 * Forgery: the recorder once read trace_pipe's text, where the kernel prints comms and exec'd file names
 * raw, so a file name holding newlines could spell whole fake lines ("sleep-V ... signal_generate: sig=9 ...
 * pid=V"). A binary record's fields are fixed offsets and length-bounded strings: a name is only ever a
 * name, whatever bytes it holds (kept byte-safe: src/util/name-bytes.ts).
 */
import { argField, intField, strField } from '../source/trace/fields';
import type { EventFormat } from '../source/trace/format';
import type { RecordDecoder } from '../source/trace/raw-reader';
import { commonFields, traceEventDecoders } from '../source/trace/raw-events';
import type { TraceEvent } from '../source/trace/parse';

export interface LinePrefix {
  /** Thread id of the task that produced the event (the forking parent, the exiting task...). */
  taskPid: number;
  /** Timestamp on the instance clock (boot clock) as whole microseconds. */
  tsUs: number;
}

export type HotEvent =
  | (LinePrefix & { event: 'newtask'; pid: number; comm: string; cloneFlags: number })
  | (LinePrefix & { event: 'exec'; pid: number; oldPid: number; filename: string })
  | (LinePrefix & { event: 'exit'; pid: number; comm: string; groupDead: boolean | null })
  | (LinePrefix & { event: 'exit_group'; code: number })
  | (LinePrefix & { event: 'setsid' })
  | (LinePrefix & { event: 'setpgid'; pid: number; pgid: number });

export type RecorderLine = HotEvent | { event: 'other'; ev: TraceEvent };

const CLONE_THREAD = 0x10000;

export function isThreadClone(cloneFlags: number): boolean {
  return (cloneFlags & CLONE_THREAD) !== 0;
}

const us = (tsNs: number): number => Math.floor(tsNs / 1000);

type HotBuilder = (fmt: EventFormat) => RecordDecoder<RecorderLine>;

const HOT: Readonly<Record<string, HotBuilder>> = {
  'task/task_newtask': (fmt) => {
    const c = commonFields(fmt);
    const pid = intField(fmt, 'pid');
    const comm = strField(fmt, 'comm');
    const flags = intField(fmt, 'clone_flags');
    return (b, o, s, ts) => ({
      event: 'newtask',
      taskPid: c.pid(b, o, s),
      tsUs: us(ts),
      pid: pid(b, o, s),
      comm: comm(b, o, s),
      // Only the low bits matter (CLONE_THREAD); a u64 above 2^53 would lose nothing below them.
      cloneFlags: flags(b, o, s) % 2 ** 32,
    });
  },
  'sched/sched_process_exec': (fmt) => {
    const c = commonFields(fmt);
    const filename = strField(fmt, 'filename');
    const pid = intField(fmt, 'pid');
    const oldPid = intField(fmt, 'old_pid');
    return (b, o, s, ts) => ({
      event: 'exec',
      taskPid: c.pid(b, o, s),
      tsUs: us(ts),
      pid: pid(b, o, s),
      oldPid: oldPid(b, o, s),
      filename: filename(b, o, s),
    });
  },
  'sched/sched_process_exit': (fmt) => {
    const c = commonFields(fmt);
    const comm = strField(fmt, 'comm');
    const pid = intField(fmt, 'pid');
    const gd = fmt.fields.has('group_dead') ? intField(fmt, 'group_dead') : null;
    return (b, o, s, ts) => ({
      event: 'exit',
      taskPid: c.pid(b, o, s),
      tsUs: us(ts),
      pid: pid(b, o, s),
      comm: comm(b, o, s),
      groupDead: gd ? gd(b, o, s) !== 0 : null,
    });
  },
  'syscalls/sys_enter_exit_group': (fmt) => {
    const c = commonFields(fmt);
    const code = argField(fmt, 'error_code');
    return (b, o, s, ts) => ({ event: 'exit_group', taskPid: c.pid(b, o, s), tsUs: us(ts), code: code(b, o, s) });
  },
  'syscalls/sys_enter_setsid': (fmt) => {
    const c = commonFields(fmt);
    return (b, o, s, ts) => ({ event: 'setsid', taskPid: c.pid(b, o, s), tsUs: us(ts) });
  },
  'syscalls/sys_enter_setpgid': (fmt) => {
    const c = commonFields(fmt);
    const pid = argField(fmt, 'pid');
    const pgid = argField(fmt, 'pgid');
    return (b, o, s, ts) => ({
      event: 'setpgid',
      taskPid: c.pid(b, o, s),
      tsUs: us(ts),
      pid: pid(b, o, s),
      pgid: pgid(b, o, s),
    });
  },
};

/**
 * Decoders by event id for the recorder's events (`group/name` -> format): the hot four plus setsid and
 * setpgid as recorder events, the rest as TraceEvents.
 */
export function recorderDecoders(formats: ReadonlyMap<string, EventFormat>): Map<number, RecordDecoder<RecorderLine>> {
  const out = new Map<number, RecordDecoder<RecorderLine>>();
  const rare = new Map<string, EventFormat>();
  for (const [name, fmt] of formats) {
    const hot = HOT[name];
    if (hot) out.set(fmt.id, hot(fmt));
    else rare.set(name, fmt);
  }
  for (const [id, dec] of traceEventDecoders(rare)) {
    out.set(id, (b, o, s, ts, cpu) => {
      const ev = dec(b, o, s, ts, cpu);
      return ev ? { event: 'other', ev } : null;
    });
  }
  return out;
}
