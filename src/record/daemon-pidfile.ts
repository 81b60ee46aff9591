/**
 * The recorder's pidfile (`record.pid` in the state dir): one recorder per state dir. Created with O_EXCL so
 * two recorders starting at once cannot both win; a pidfile whose owner is gone, or whose pid now belongs to
 * something that is not `whydied record` (pid reuse after a crash), is stale and replaced.
 */
import * as fs from 'fs';
import * as path from 'path';

export const PIDFILE = 'record.pid';

export class AlreadyRunning extends Error {
  constructor(readonly pid: number, readonly file: string) {
    super(`whydied record is already running as pid ${pid} (pidfile ${file})`);
  }
}

function cmdline(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return null;
  }
}

/** True when `pid` is alive and its command line is `... whydied|whydied.js|main.js record ...` (the bin is dist/whydied.js). */
export function isRecorderProcess(pid: number): boolean {
  const argv = cmdline(pid);
  if (!argv) return false;
  const i = argv.findIndex((a) => /(^|\/)(whydied|whydied\.js|main\.js)$/.test(a));
  return i >= 0 && argv.slice(i + 1).includes('record');
}

export function readPidfile(dir: string): number | null {
  try {
    const n = parseInt(fs.readFileSync(path.join(dir, PIDFILE), 'utf8'), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Take the pidfile for this process, or throw AlreadyRunning. Returns its path. */
export function acquirePidfile(dir: string): string {
  const file = path.join(dir, PIDFILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = readPidfile(dir);
    if (owner !== null && owner !== process.pid && isRecorderProcess(owner)) throw new AlreadyRunning(owner, file);
    // Stale (dead owner, a recycled pid, or a torn write): replace it.
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
