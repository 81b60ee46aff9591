/** /proc/PID/stat parser. The comm field is hostile: it may hold `) (`, spaces and newlines. */
import type { ProcStat } from './types';

/**
 * Parse one /proc/PID/stat text. comm runs from the first '(' to the LAST ')': the fields after it
 * never contain ')', while comm (set by prctl or exec -a) may. Null on anything that does not fit.
 */
export function parseStat(text: string): ProcStat | null {
  if (typeof text !== 'string') return null;
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open + 1) return null;
  const pidText = text.slice(0, open);
  if (!/^\d+$/.test(pidText)) return null;
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state); we need up to field 24 (rss) -> rest[21].
  if (rest.length < 22) return null;
  const state = rest[0];
  if (!/^[A-Za-z]$/.test(state)) return null;
  const nums: number[] = [];
  for (const idx of [1, 2, 3, 4, 5, 6, 11, 12, 17, 19, 20, 21]) {
    const field = rest[idx];
    if (!/^-?\d+$/.test(field)) return null;
    nums.push(Number(field));
  }
  const [ppid, pgrp, session, ttyNr, tpgid, flags, utime, stime, numThreads, startTime, vsize, rssPages] = nums;
  // Field 52 (exit_code, Linux 3.5+): the wait status a zombie leaves for its parent; 0 while alive.
  const f52 = rest[49];
  const exitCode = f52 !== undefined && /^\d+$/.test(f52) ? Number(f52) : null;
  return {
    pid: Number(pidText),
    comm: text.slice(open + 2, close),
    state,
    ppid,
    pgrp,
    session,
    ttyNr,
    tpgid,
    flags,
    utime,
    stime,
    numThreads,
    startTime,
    vsize,
    rssPages,
    exitCode,
  };
}

/** PF_KTHREAD in the stat flags field. */
export const PF_KTHREAD = 0x00200000;
