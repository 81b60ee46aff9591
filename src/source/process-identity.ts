/** The identity of a live process, read when a watch starts (for the record and pid-reuse detection). */
import * as fs from 'fs';
import { parseStat } from './parse-stat';
import { decodeTtyNr } from './tty';
import { parseCgroupFile } from './parse-cgroup';
import type { RecordIdentity } from './records/types';

const ARGV_HEAD = 6;
const ARG_MAX = 200;

function read(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function bootId(): string {
  return (read('/proc/sys/kernel/random/boot_id') ?? '').trim();
}

/** State letter from /proc/PID/stat, or null when the pid does not exist. */
export function procState(pid: number): string | null {
  const text = read(`/proc/${pid}/stat`);
  return text ? (parseStat(text)?.state ?? null) : null;
}

/** Alive = exists and not a zombie/dead task. */
export function isRunning(pid: number): boolean {
  const s = procState(pid);
  return s !== null && s !== 'Z' && s !== 'X';
}

/**
 * The pid of the process's ptrace tracer (status TracerPid; fs/proc/array.c task_state), 0 when none or
 * unreadable: a tracer's exit can SIGKILL it (PTRACE_O_EXITKILL), and watch tells that death by its sender.
 */
export function tracerPidOf(pid: number): number {
  const m = /^TracerPid:\s*(\d+)$/m.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : 0;
}

export function readIdentity(pid: number): RecordIdentity | null {
  const statText = read(`/proc/${pid}/stat`);
  const stat = statText ? parseStat(statText) : null;
  if (!stat) return null;
  const cmdline = read(`/proc/${pid}/cmdline`) ?? '';
  const argvHead = cmdline
    .split('\0')
    .filter((a, i, all) => !(a === '' && i === all.length - 1))
    .slice(0, ARGV_HEAD)
    .map((a) => (a.length > ARG_MAX ? a.slice(0, ARG_MAX) + '…' : a));
  const cg = read(`/proc/${pid}/cgroup`);
  const groups = cg ? parseCgroupFile(cg) : [];
  const cgroup = (groups.find((g) => g.hierarchy === 0) ?? groups[0])?.path ?? null;
  return {
    pid,
    startTime: stat.startTime,
    bootId: bootId(),
    comm: stat.comm,
    argvHead,
    ppid: stat.ppid,
    pgid: stat.pgrp,
    sid: stat.session,
    tty: decodeTtyNr(stat.ttyNr).name,
    cgroup,
  };
}

/** Thread ids of a process (exit_group may be called from any of them). */
export function threadIds(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [pid];
  }
}

/** Real uid and tgid of a task right now, or null when it is gone. */
export function taskOwner(tid: number): { uid: number; tgid: number; pgid: number } | null {
  const status = read(`/proc/${tid}/status`);
  if (!status) return null;
  const uid = /^Uid:\s+(\d+)/m.exec(status);
  const tgid = /^Tgid:\s+(\d+)/m.exec(status);
  const statText = read(`/proc/${tid}/stat`);
  const stat = statText ? parseStat(statText) : null;
  if (!uid || !tgid) return null;
  return { uid: +uid[1], tgid: +tgid[1], pgid: stat?.pgrp ?? -1 };
}

/*
 * Direct /proc reads for the observers (watch, record, launch, run): they follow live processes moment
 * by moment, outside a diagnosis's memoised Facts, but still read /proc only through this module.
 */

/** /proc/PID/cmdline as the kernel gives it (NUL-separated), '' when the process is gone. */
export function readCmdlineText(pid: number): string {
  return read(`/proc/${pid}/cmdline`) ?? '';
}

/** argv from /proc/PID/cmdline, null when the process is gone. */
export function readArgv(pid: number): string[] | null {
  const text = read(`/proc/${pid}/cmdline`);
  return text === null ? null : text.split('\0').filter((a) => a !== '');
}

/** /proc/PID/comm, '?' when the process is gone. */
export function readComm(pid: number): string {
  return (read(`/proc/${pid}/comm`) ?? '?').trim();
}

/** Field 22 of /proc/PID/stat (clock ticks since boot), or null when the process is gone. */
export function startTimeOf(pid: number): number | null {
  const text = read(`/proc/${pid}/stat`);
  const v = text === null ? NaN : (parseStat(text)?.startTime ?? NaN);
  return Number.isInteger(v) ? v : null;
}

/** The executable's path (/proc/PID/exe), null when unreadable. */
export function readExePath(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** Every pid in /proc (numeric entries). */
export function listPids(): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

/** True while /proc/PID (a process or a thread id) exists, zombies included. */
export const pidExists = (pid: number): boolean => fs.existsSync(`/proc/${pid}`);

/** /proc/sys/kernel/pid_max, or the kernel's ceiling when unreadable. */
export function readPidMax(): number {
  return Number((read('/proc/sys/kernel/pid_max') ?? '').trim()) || 4194304;
}

/** Seconds since boot including time suspended (/proc/uptime) in ms, null when unreadable. */
export function readUptimeMs(): number | null {
  const v = parseFloat(read('/proc/uptime') ?? '');
  return Number.isFinite(v) ? v * 1000 : null;
}
