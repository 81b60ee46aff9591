/**
 * The recorder's pidfile (`record.pid` in the state dir): one recorder per state dir. Created with
 * O_EXCL|O_NOFOLLOW so two recorders starting at once cannot both win and no planted link is followed. It
 * holds `<pid> <start time>`: a pidfile whose owner is gone, or whose pid now belongs to another process (pid
 * reuse after a crash, or a pidfile naming an unrelated process), is stale and replaced.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createExclusive } from '../source/safe-write';
import { readArgv, readExePath, startTimeOf } from '../source/process-identity';

export const PIDFILE = 'record.pid';

export class AlreadyRunning extends Error {
  constructor(
    readonly pid: number,
    readonly file: string,
  ) {
    super(`whydied record is already running as pid ${pid} (pidfile ${file})`);
  }
}

/**
 * True when `pid` is alive and is a whydied recorder: node running whydied's entry (`.../whydied`, the bin
 * `.../whydied.js` or `.../main.js`) as its script, with `record` as the command. Any process naming whydied somewhere in its
 * arguments does not count.
 */
function isRecorderProcess(pid: number): boolean {
  const argv = readArgv(pid);
  if (!argv || argv.length < 3) return false;
  const exe = readExePath(pid);
  if (exe === null || !/(^|\/)node[^/]*$/.test(exe)) return false;
  // node's own options may come before the script; the script is the first argument that is not one.
  const i = argv.findIndex((a, k) => k > 0 && !a.startsWith('-'));
  return i > 0 && /(^|\/)(whydied|whydied\.js|main\.js)$/.test(argv[i]) && argv.slice(i + 1).includes('record');
}

export interface PidfileOwner {
  pid: number;
  /** Null in a pidfile written before start times were recorded. */
  startTime: number | null;
}

export function readPidfile(dir: string): PidfileOwner | null {
  try {
    const [p, t] = fs.readFileSync(path.join(dir, PIDFILE), 'utf8').trim().split(/\s+/);
    const pid = Number(p);
    const startTime = t !== undefined && /^\d+$/.test(t) ? Number(t) : null;
    return Number.isInteger(pid) && pid > 0 ? { pid, startTime } : null;
  } catch {
    return null;
  }
}

/** The pidfile's owner is still the recorder that wrote it. */
export function ownerAlive(owner: PidfileOwner | null): owner is PidfileOwner {
  if (!owner || owner.pid === process.pid) return false;
  if (owner.startTime !== null && startTimeOf(owner.pid) !== owner.startTime) return false;
  return isRecorderProcess(owner.pid);
}

/** Take the pidfile for this process, or throw AlreadyRunning. Returns its path. */
export function acquirePidfile(dir: string, onStale?: (owner: PidfileOwner | null) => void): string {
  const file = path.join(dir, PIDFILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // O_EXCL|O_NOFOLLOW: never through a planted link. The start time pins the owner against pid reuse.
      createExclusive(file, `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`);
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = readPidfile(dir);
    if (ownerAlive(owner)) throw new AlreadyRunning(owner.pid, file);
    // Stale (dead owner, a recycled pid, an unrelated process, or a torn write): replace it. A recorder
    // that stops releases its pidfile, so a stale one means the last one was killed (kill -9, OOM).
    onStale?.(owner);
    try {
      fs.unlinkSync(file);
    } catch {
      /* someone else removed it first */
    }
  }
  throw new Error(`cannot take the pidfile ${file}`);
}

/** Remove the pidfile only if it is still ours. */
export function releasePidfile(file: string): void {
  try {
    if (parseInt(fs.readFileSync(file, 'utf8'), 10) === process.pid) fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}
