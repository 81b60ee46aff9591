/**
 * record.log, bounded: a --daemon recorder's stdout and stderr are `record.log` in its state dir (opened by the
 * parent, so the child cannot reopen it under another name). When it passes the cap, its content moves to
 * `record.log.1` (a fresh 0600 file, replacing the previous one) and the log is cut to zero: with O_APPEND the
 * next line lands at its new start. Only that file is ever cut: a stderr redirected anywhere else (a unit's
 * journal, a user's own file) is left alone.
 */
import * as fs from 'fs';
import * as path from 'path';
import { safeWriteFile } from '../source/safe-write';

export const RECORD_LOG = 'record.log';
export const DEFAULT_LOG_CAP_BYTES = 1024 * 1024;

/** A function to call after each log line: rotates when the log passes `capBytes`; a no-op when fd 2 is not it. */
export function logRotator(dir: string, capBytes = DEFAULT_LOG_CAP_BYTES): () => void {
  const file = path.join(dir, RECORD_LOG);
  let isOurLog = false;
  try {
    const fd2 = fs.fstatSync(2);
    const st = fs.lstatSync(file);
    isOurLog = fd2.isFile() && st.isFile() && fd2.dev === st.dev && fd2.ino === st.ino;
  } catch {
    /* no such log: nothing to rotate */
  }
  if (!isOurLog) return () => undefined;
  return () => {
    try {
      const size = fs.fstatSync(2).size;
      if (size <= capBytes) return;
      const keep = Buffer.alloc(Math.min(size, 2 * capBytes));
      const rd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      let n: number;
      try {
        n = fs.readSync(rd, keep, 0, keep.length, size - keep.length);
      } finally {
        fs.closeSync(rd);
      }
      safeWriteFile(`${file}.1`, keep.subarray(0, n), { role: 'recorder log' });
      fs.ftruncateSync(2, 0);
    } catch {
      /* a full disk: the log stays as it is until there is room */
    }
  };
}
