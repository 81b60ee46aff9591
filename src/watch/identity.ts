/** The identity of a live process, read when a watch starts (for the record and pid-reuse detection). */
import * as fs from 'fs';
import { parseStat } from '../source/parse-stat';
import { decodeTtyNr } from '../source/tty';
import { parseCgroupFile } from '../source/parse-cgroup';
import type { RecordIdentity } from '../record/types';

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
    return fs.readdirSync(`/proc/${pid}/task`).filter((n) => /^\d+$/.test(n)).map(Number);
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
