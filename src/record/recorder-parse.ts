/**
 * The recorder's hot-path parser. At thousands of exits per second every process costs four lines
 * (task_newtask, sched_process_exec, sys_exit_group, sched_process_exit), so those are taken apart with
 * indexOf/slice only; the rare events (signal_generate, sys_kill, mark_victim) go to the shared regex parser
 * in src/source/trace/parse.ts.
 *
 * Spoofing: the task comm in the line prefix is at most 15 bytes, and every hot marker below is longer, so
 * the first occurrence of a marker is the real one (a hostile victim comm only ever appears after it).
 * Fields that follow a comm or filename inside the body are numeric, so they are found with lastIndexOf.
 */
import { parseLostEvents, parseTraceLine, TraceEvent } from '../source/trace/parse';

export interface LinePrefix {
  /** Thread id of the task that produced the event (the forking parent, the exiting task...). */
  taskPid: number;
  /** Timestamp on the instance clock (boot clock) as whole microseconds: exact, no float rounding. */
  tsUs: number;
}

export type HotEvent =
  | (LinePrefix & { event: 'newtask'; pid: number; comm: string; cloneFlags: number })
  | (LinePrefix & { event: 'exec'; pid: number; oldPid: number; filename: string })
  | (LinePrefix & { event: 'exit'; pid: number; comm: string; groupDead: boolean | null })
  | (LinePrefix & { event: 'exit_group'; code: number })
  | (LinePrefix & { event: 'setsid' })
  | (LinePrefix & { event: 'setpgid'; pid: number; pgid: number });

export type RecorderLine = HotEvent | { event: 'other'; ev: TraceEvent } | { event: 'lost'; count: number } | null;

const M_EXIT_GROUP = ': sys_exit_group(';
const M_EXIT = ': sched_process_exit: ';
const M_NEWTASK = ': task_newtask: ';
const M_EXEC = ': sched_process_exec: ';
const M_SETSID = ': sys_setsid()';
const M_SETPGID = ': sys_setpgid(pid: ';
const CLONE_THREAD = 0x10000;

/** `12345.678901` -> 12345678901 (µs). */
function parseTsUs(s: string): number {
  const dot = s.indexOf('.');
  if (dot < 0) return Number(s) * 1e6;
  const frac = (s.slice(dot + 1) + '000000').slice(0, 6);
  return Number(s.slice(0, dot)) * 1e6 + Number(frac);
}

/** Prefix `comm-tid [cpu] flags ts` ending right before the marker at `mi`. */
function prefix(line: string, mi: number): LinePrefix | null {
  const tsStart = line.lastIndexOf(' ', mi - 1) + 1;
  const br = line.lastIndexOf(' [', tsStart);
  if (br <= 0) return null;
  let end = br;
  while (end > 0 && line.charCodeAt(end - 1) === 32) end--;
  const dash = line.lastIndexOf('-', end - 1);
  if (dash < 0) return null;
  const taskPid = Number(line.slice(dash + 1, end));
  if (!Number.isInteger(taskPid)) return null;
  return { taskPid, tsUs: parseTsUs(line.slice(tsStart, mi)) };
}

/** Value of a numeric field `key` (` pid=`) found from the right; NaN when missing. */
function numField(body: string, key: string): number {
  const i = body.lastIndexOf(key);
  if (i < 0) return NaN;
  const start = i + key.length;
  let end = body.indexOf(' ', start);
  if (end < 0) end = body.length;
  return Number(body.slice(start, end));
}

/** A syscall argument: `0x0000007f` or a small decimal; the int the syscall saw. */
function syscallArg(text: string): number {
  const n = text.startsWith('0x') ? parseInt(text.slice(2), 16) : Number(text);
  return n | 0;
}

export function isThreadClone(cloneFlags: number): boolean {
  return (cloneFlags & CLONE_THREAD) !== 0;
}

export function parseRecorderLine(line: string): RecorderLine {
  let mi = line.indexOf(M_EXIT_GROUP);
  if (mi >= 0) {
    const p = prefix(line, mi);
    const s = mi + M_EXIT_GROUP.length;
    const close = line.indexOf(')', s);
    if (!p || close < 0) return null;
    const arg = line.slice(s, close).replace('error_code: ', '').trim();
    return { ...p, event: 'exit_group', code: syscallArg(arg) };
  }
  if ((mi = line.indexOf(M_EXIT)) >= 0) {
    const p = prefix(line, mi);
    const body = line.slice(mi + M_EXIT.length);
    const pidAt = body.lastIndexOf(' pid=');
    if (!p || pidAt < 0 || !body.startsWith('comm=')) return null;
    const gd = body.lastIndexOf(' group_dead=');
    const gdText = gd < 0 ? null : body.slice(gd + 12).trim();
    const groupDead = gdText === null ? null : gdText === 'true' || gdText === '1';
    return { ...p, event: 'exit', pid: numField(body, ' pid='), comm: body.slice(5, pidAt), groupDead };
  }
  if ((mi = line.indexOf(M_NEWTASK)) >= 0) {
    const p = prefix(line, mi);
    const body = line.slice(mi + M_NEWTASK.length);
    const cf = body.lastIndexOf(' clone_flags=');
    if (!p || cf < 0 || !body.startsWith('pid=')) return null;
    const sp = body.indexOf(' comm=');
    const pid = Number(body.slice(4, sp));
    const flagsEnd = body.indexOf(' ', cf + 13);
    const flagsText = body.slice(cf + 13, flagsEnd < 0 ? body.length : flagsEnd);
    return { ...p, event: 'newtask', pid, comm: body.slice(sp + 6, cf), cloneFlags: parseInt(flagsText, 16) };
  }
  if ((mi = line.indexOf(M_EXEC)) >= 0) {
    const p = prefix(line, mi);
    const body = line.slice(mi + M_EXEC.length);
    const pidAt = body.lastIndexOf(' pid=');
    if (!p || pidAt < 0 || !body.startsWith('filename=')) return null;
    return {
      ...p,
      event: 'exec',
      pid: numField(body, ' pid='),
      oldPid: numField(body, ' old_pid='),
      filename: body.slice(9, pidAt),
    };
  }
  // Short markers a 15-byte comm could imitate: anchored at the end of the line, where the body is.
  if (line.endsWith(M_SETSID)) {
    const p = prefix(line, line.length - M_SETSID.length);
    return p ? { ...p, event: 'setsid' } : null;
  }
  if ((mi = line.lastIndexOf(M_SETPGID)) >= 0 && line.endsWith(')')) {
    const p = prefix(line, mi);
    const args = line.slice(mi + M_SETPGID.length, -1).split(', pgid: ');
    if (!p || args.length !== 2) return null;
    return { ...p, event: 'setpgid', pid: syscallArg(args[0]), pgid: syscallArg(args[1]) };
  }
  if (line.startsWith('CPU:')) {
    const n = parseLostEvents(line);
    return n === null ? null : { event: 'lost', count: n };
  }
  // Rare events only: a cheap test before the regex parser.
  if (line.indexOf('signal_generate: ') >= 0 || line.indexOf(' sys_kill(') >= 0 || line.indexOf('mark_victim: ') >= 0) {
    const ev = parseTraceLine(line);
    return ev ? { event: 'other', ev } : null;
  }
  return null;
}
