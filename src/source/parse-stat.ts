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
  // Every process's stat is parsed for the process table (10,000 processes: 10,000 parses): the kernel's
  // own layout (single spaces) is read field by field; anything else takes the general path below.
  const fast = canonicalFields(text, close, Number(pidText), text.slice(open + 2, close));
  if (fast) return fast;
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
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

/** Index in the fields after comm (0 = state) of each number parseStat keeps. */
const WANTED = [1, 2, 3, 4, 5, 6, 11, 12, 17, 19, 20, 21];
const EXIT_CODE_FIELD = 49;

/** An optional '-' then 1-20 digits: the integers stat prints (JS numbers, as the general path). */
function intAt(text: string, from: number, to: number): number | null {
  let i = from;
  if (text.charCodeAt(i) === 45) i++;
  if (i >= to || to - i > 20) return null;
  // 10,000 processes make 120,000 of these: add the digits up rather than slice and convert.
  let v = 0;
  for (let j = i; j < to; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  // Beyond 15 digits the sum may round differently from Number(): take Number()'s answer there.
  if (to - i > 15) return Number(text.slice(from, to));
  return i === from ? v : -v;
}

/** The fields after comm when the kernel's layout holds exactly (`) S 1 2 ...`), else null. */
function canonicalFields(text: string, close: number, pid: number, comm: string): ProcStat | null {
  if (text.charCodeAt(close + 1) !== 32) return null;
  const stateCode = text.charCodeAt(close + 2);
  if (
    !((stateCode >= 65 && stateCode <= 90) || (stateCode >= 97 && stateCode <= 122)) ||
    text.charCodeAt(close + 3) !== 32
  )
    return null;
  const nums: number[] = [];
  let field = 1;
  let start = close + 4;
  let w = 0;
  while (w < WANTED.length) {
    let end = text.indexOf(' ', start);
    if (end < 0) {
      end = text.length;
      while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 32)) end--;
    }
    if (end === start) return null;
    if (field === WANTED[w]) {
      const n = intAt(text, start, end);
      if (n === null) return null;
      nums.push(n);
      w++;
    }
    field++;
    start = end + 1;
    if (start > text.length && w < WANTED.length) return null;
  }
  const [ppid, pgrp, session, ttyNr, tpgid, flags, utime, stime, numThreads, startTime, vsize, rssPages] = nums;
  // Field 52 (exit_code, index 49 here), as the general path reads it: digits, else null.
  let exitCode: number | null = null;
  while (start <= text.length) {
    let end = text.indexOf(' ', start);
    if (end < 0) {
      end = text.length;
      while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 32)) end--;
    }
    if (field === EXIT_CODE_FIELD) {
      const n = end > start && text.charCodeAt(start) !== 45 ? intAt(text, start, end) : null;
      exitCode = n;
      break;
    }
    if (end === start) break;
    field++;
    start = end + 1;
  }
  return {
    pid,
    comm,
    state: text[close + 2],
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
