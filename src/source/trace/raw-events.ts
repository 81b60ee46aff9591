/**
 * Binary records -> the TraceEvent objects parse.ts makes from text, field for field, so every consumer
 * (the death tracker, the recorder, the watch backend) takes either. Decoders are compiled from the
 * instance's format files at start: no offset is hard-coded.
 *
 * One thing the binary record does not carry is the generating task's name: trace_pipe's text prefix looks
 * it up when the line is READ (ftrace's pid -> comm cache), so it was never the name at event time anyway.
 * Here it is read from /proc/<tid>/comm, also at read time, and only for the rare events that report a
 * sender (signals, kill, tgkill, OOM kills); consumers that track names (the recorder's table, TaskNames)
 * correct it as before.
 */
import * as fs from 'fs';
import { decodeNameBytes } from '../../util/name-bytes';
import { argField, intField, IntReader, optionalInt, optionalStr, strField } from './fields';
import { EventFormat, readEventFormat } from './format';
import type { RecordDecoder } from './raw-reader';
import type { TraceEvent } from './parse';

const commBuf = Buffer.alloc(64);

/** A task's name right now (its /proc comm, byte-safe), `<idle>` for pid 0, `<...>` when gone. */
export function currentTaskComm(tid: number): string {
  if (tid === 0) return '<idle>';
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${tid}/comm`, 'r');
  } catch {
    return '<...>';
  }
  try {
    let n = fs.readSync(fd, commBuf, 0, commBuf.length, 0);
    // The kernel appends one newline; a newline inside the name is part of it.
    if (n > 0 && commBuf[n - 1] === 0x0a) n--;
    return decodeNameBytes(commBuf, 0, n);
  } catch {
    return '<...>';
  } finally {
    fs.closeSync(fd);
  }
}

export interface CommonFields {
  type: IntReader;
  pid: IntReader;
}

export function commonFields(fmt: EventFormat): CommonFields {
  return { type: intField(fmt, 'common_type'), pid: intField(fmt, 'common_pid') };
}

const sec = (tsNs: number): number => tsNs / 1e9;

type Builder = (fmt: EventFormat, c: CommonFields) => RecordDecoder<TraceEvent>;

/** Decoders for the events of parse.ts's TraceEvent, by `group/name`. */
const BUILDERS: Readonly<Record<string, Builder>> = {
  'signal/signal_generate': (fmt, c) => {
    const sig = intField(fmt, 'sig');
    const errno = intField(fmt, 'errno');
    const code = intField(fmt, 'code');
    const comm = strField(fmt, 'comm');
    const pid = intField(fmt, 'pid');
    const grp = intField(fmt, 'group');
    const res = intField(fmt, 'result');
    return (b, o, s, ts, cpu) => {
      const taskPid = c.pid(b, o, s);
      return {
        event: 'signal_generate',
        taskComm: currentTaskComm(taskPid),
        taskPid,
        cpu,
        ts: sec(ts),
        sig: sig(b, o, s),
        errno: errno(b, o, s),
        code: code(b, o, s),
        comm: comm(b, o, s),
        pid: pid(b, o, s),
        grp: grp(b, o, s),
        res: res(b, o, s),
      };
    };
  },
  'sched/sched_process_exit': (fmt, c) => {
    const comm = strField(fmt, 'comm');
    const pid = intField(fmt, 'pid');
    const prio = intField(fmt, 'prio');
    const gd = optionalInt(fmt, 'group_dead');
    return (b, o, s, ts, cpu) => ({
      event: 'sched_process_exit',
      taskComm: '',
      taskPid: c.pid(b, o, s),
      cpu,
      ts: sec(ts),
      comm: comm(b, o, s),
      pid: pid(b, o, s),
      prio: prio(b, o, s),
      groupDead: gd ? gd(b, o, s) !== 0 : null,
    });
  },
  'syscalls/sys_enter_exit_group': (fmt, c) => {
    const code = argField(fmt, 'error_code');
    return (b, o, s, ts, cpu) => ({
      event: 'sys_exit_group',
      taskComm: '',
      taskPid: c.pid(b, o, s),
      cpu,
      ts: sec(ts),
      errorCode: code(b, o, s),
    });
  },
  'syscalls/sys_enter_kill': (fmt, c) => {
    const pid = argField(fmt, 'pid');
    const sig = argField(fmt, 'sig');
    return (b, o, s, ts, cpu) => {
      const taskPid = c.pid(b, o, s);
      return {
        event: 'sys_kill',
        taskComm: currentTaskComm(taskPid),
        taskPid,
        cpu,
        ts: sec(ts),
        pid: pid(b, o, s),
        sig: sig(b, o, s),
      };
    };
  },
  'syscalls/sys_enter_tgkill': (fmt, c) => {
    const tgid = argField(fmt, 'tgid');
    const pid = argField(fmt, 'pid');
    const sig = argField(fmt, 'sig');
    return (b, o, s, ts, cpu) => {
      const taskPid = c.pid(b, o, s);
      return {
        event: 'sys_tgkill',
        taskComm: currentTaskComm(taskPid),
        taskPid,
        cpu,
        ts: sec(ts),
        tgid: tgid(b, o, s),
        pid: pid(b, o, s),
        sig: sig(b, o, s),
      };
    };
  },
  'syscalls/sys_enter_pidfd_send_signal': (fmt, c) => {
    const sig = argField(fmt, 'sig');
    return (b, o, s, ts, cpu) => {
      const taskPid = c.pid(b, o, s);
      return {
        event: 'sys_pidfd_send_signal',
        taskComm: currentTaskComm(taskPid),
        taskPid,
        cpu,
        ts: sec(ts),
        sig: sig(b, o, s),
      };
    };
  },
  'oom/mark_victim': (fmt, c) => {
    const pid = intField(fmt, 'pid');
    const comm = optionalStr(fmt, 'comm');
    const uid = optionalInt(fmt, 'uid');
    const totalVm = optionalInt(fmt, 'total_vm');
    const anonRss = optionalInt(fmt, 'anon_rss');
    return (b, o, s, ts, cpu) => {
      const taskPid = c.pid(b, o, s);
      return {
        event: 'mark_victim',
        taskComm: currentTaskComm(taskPid),
        taskPid,
        cpu,
        ts: sec(ts),
        pid: pid(b, o, s),
        comm: comm ? comm(b, o, s) : null,
        uid: uid ? uid(b, o, s) : null,
        totalVmKb: totalVm ? totalVm(b, o, s) : null,
        anonRssKb: anonRss ? anonRss(b, o, s) : null,
      };
    };
  },
  'task/task_rename': (fmt, c) => {
    const pid = intField(fmt, 'pid');
    const oldComm = strField(fmt, 'oldcomm');
    const newComm = strField(fmt, 'newcomm');
    return (b, o, s, ts, cpu) => {
      const newName = newComm(b, o, s);
      return {
        event: 'task_rename',
        // The renamed task is (nearly always) the one renaming itself: its name is the new one.
        taskComm: newName,
        taskPid: c.pid(b, o, s),
        cpu,
        ts: sec(ts),
        pid: pid(b, o, s),
        oldComm: oldComm(b, o, s),
        newComm: newName,
      };
    };
  },
};

/** The format of each event (`group/name`), read from the instance. */
export function readFormats(instanceDir: string, events: readonly string[]): Map<string, EventFormat> {
  return new Map(events.map((e) => [e, readEventFormat(instanceDir, e)]));
}

/** TraceEvent decoders by event id for the given events (each must be one parse.ts models). */
export function traceEventDecoders(formats: ReadonlyMap<string, EventFormat>): Map<number, RecordDecoder<TraceEvent>> {
  const out = new Map<number, RecordDecoder<TraceEvent>>();
  for (const [name, fmt] of formats) {
    const build = BUILDERS[name];
    if (!build) throw new Error(`no binary decoder for ${name}`);
    out.set(fmt.id, build(fmt, commonFields(fmt)));
  }
  return out;
}
