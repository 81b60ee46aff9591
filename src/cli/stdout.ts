/**
 * Writing results to stdout without the stream. Creating `process.stdout` on a pipe loads the net and
 * stream machinery (a few ms of a ~60 ms run); a report is one string written once, so a synchronous
 * write of fd 1 does the same job. Only a terminal needs the stream, for its width.
 */
import * as fs from 'fs';

export interface StdoutInfo {
  isTTY: boolean;
  columns?: number;
}

/**
 * Whether fd `fd` may be a terminal, without loading the tty module (it loads net: ~3 ms): a terminal is
 * a character device, and not one of the memory devices (major 1: /dev/null, /dev/zero), where output
 * is most often sent when nobody reads it. Only a possible terminal is then asked with isatty().
 */
export function isTerminal(fd: number): boolean {
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch {
    return false;
  }
  if (!st.isCharacterDevice() || (st.rdev & 0xfff00) >> 8 === 1) return false;
  return (require('tty') as typeof import('tty')).isatty(fd);
}

/** Whether stdout is a terminal and, only then, its width (asking a pipe would build the stream). */
export function stdoutInfo(): StdoutInfo {
  if (!isTerminal(1)) return { isTTY: false };
  return { isTTY: true, columns: process.stdout.columns };
}

/**
 * The whole text to fd 1. A non-blocking pipe (a parent may have set O_NONBLOCK) answers EAGAIN when
 * full: the rest then goes through the stream, which waits for the reader; node flushes it before exit.
 */
export function writeStdout(text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      n = fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        process.stdout.write(buf.subarray(off));
        return;
      }
      // The reader went away (`whydied 1 | head -0`): nothing more to say, and not an internal error.
      if (code === 'EPIPE') return;
      throw e;
    }
    off += n;
  }
}
