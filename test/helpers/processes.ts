/**
 * Real processes for tests: start them, find them, and always clean them up by pid.
 * Every pid handed out here is remembered and killed (with its process group when it leads one)
 * by `cleanupProcesses()`, which each test file calls in afterAll/afterEach.
 */
import { spawn, spawnSync, SpawnOptions } from 'child_process';
import * as fs from 'fs';

const started = new Set<number>();

/** Remember a pid so cleanup kills it even if the test fails midway. */
export function track(pid: number): number {
  started.add(pid);
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The fields of /proc/PID/stat the harnesses need; null when the process is gone. */
export interface ProcStat {
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  ttyNr: number;
  /** The foreground process group of the controlling terminal (-1 without one). */
  tpgid: number;
}

export function procStat(pid: number): ProcStat | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    // comm sits in parentheses and may itself hold spaces or ')': split only what follows the last ')'.
    const rest = stat.slice(close + 2).split(' ');
    return {
      comm: stat.slice(stat.indexOf('(') + 1, close),
      state: rest[0],
      ppid: parseInt(rest[1], 10),
      pgid: parseInt(rest[2], 10),
      sid: parseInt(rest[3], 10),
      ttyNr: parseInt(rest[4], 10),
      tpgid: parseInt(rest[5], 10),
    };
  } catch {
    return null;
  }
}

/** Every live pid on the host (a snapshot of /proc). */
export function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => parseInt(n, 10));
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  return allPids().filter((p) => procStat(p)?.pgid === pgid && isAlive(p));
}

/** Wait until every pid is gone (exited or a zombie); true when they all are. */
export function waitGone(pids: number | number[], timeoutMs = 5000): Promise<boolean> {
  const list = Array.isArray(pids) ? pids : [pids];
  return waitFor(() => list.every((p) => !isAlive(p)), timeoutMs);
}

/** Poll until `pred` is true or the deadline passes. Returns the last value of pred. */
export async function waitFor(pred: () => boolean, timeoutMs = 5000, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return pred();
}

/** Read a pid a scenario script wrote to a file (scripts print `$!` there). */
export async function readPidFile(path: string, timeoutMs = 5000): Promise<number> {
  let pid = 0;
  await waitFor(() => {
    try {
      pid = parseInt(fs.readFileSync(path, 'utf8').trim(), 10);
      return pid > 0;
    } catch {
      return false;
    }
  }, timeoutMs);
  if (!(pid > 0)) throw new Error(`no pid appeared in ${path}`);
  return track(pid);
}

/** Start a long-lived child that is not waited on; tracked for cleanup. */
export function startDetached(cmd: string, args: string[], opts: SpawnOptions = {}): number {
  // The test file's env (jest's copy, without the machine's CI markers: isolate-state.js), not the real one.
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true, env: process.env, ...opts });
  child.unref();
  if (!child.pid) throw new Error(`could not start ${cmd}`);
  return track(child.pid);
}

/** Descendants of a pid from /proc (used to track everything a scenario shell started). */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1], 10);
      const list = children.get(ppid) ?? [];
      list.push(parseInt(name, 10));
      children.set(ppid, list);
    } catch {
      /* raced with exit */
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift() as number;
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Kill every tracked pid (and its descendants), SIGKILL, then reap what we can. */
export function cleanupProcesses(): void {
  const all = new Set<number>();
  for (const pid of started) {
    all.add(pid);
    for (const d of descendantsOf(pid)) all.add(d);
  }
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  started.clear();
}

/** Run the built CLI as users do (the `bin`: dist/whydied.js, the bundle) synchronously; returns exit status and both streams. */
export function runCli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  const res = spawnSync(process.execPath, [require.resolve('../../dist/whydied.js'), ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    timeout: opts.timeoutMs ?? 30000,
    // Bundles on stdout can pass the 1 MiB default (ENOBUFS).
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, signal: res.signal };
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;
