/**
 * Writing results to stdout without the stream. Creating `process.stdout` on a pipe loads the net and
 * stream machinery (a few ms of a ~60 ms run); a report is one string written once, so a synchronous
 * write of fd 1 does the same job. Only a terminal needs the stream, for its width.
 */
import * as fs from 'fs';
import { UsageError } from '../util/errors';

export interface StdoutInfo {
  isTTY: boolean;
  columns?: number;
}

/**
 * Whether fd `fd` may be a terminal, without loading the tty module (it loads net: ~3 ms): a terminal is
 * a character device, and not one of the memory devices (major 1: /dev/null, /dev/zero), where output
 * is most often sent when nobody reads it. Only a possible terminal is then asked with isatty().
 */
function isTerminal(fd: number): boolean {
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
 * Output that went away (a reader that closed the pipe, a closed terminal, a closed fd): not an error of the
 * diagnosis, the text is dropped and the exit code stays the command's (as guardOutput does for the streams).
 */
const GONE = new Set(['EPIPE', 'EIO', 'EBADF', 'ECONNRESET', 'ENXIO']);

/** Output that cannot be written where it was sent (`>/dev/full`, a full or read-only disk): exit 2, one line. */
const UNWRITABLE: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only filesystem',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

export function outputError(fd: number, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const why = UNWRITABLE[code];
  if (!why) return e as Error;
  return new UsageError(`cannot write the output to ${fd === 1 ? 'stdout' : 'stderr'}: ${code} (${why})`);
}

/**
 * The whole text to `fd`. A non-blocking pipe (a parent may have set O_NONBLOCK) answers EAGAIN when
 * full: the rest then goes through the stream, which waits for the reader; node flushes it before exit.
 */
function writeFd(fd: 1 | 2, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'EAGAIN') {
        const stream = fd === 1 ? process.stdout : process.stderr;
        stream.on('error', () => undefined);
        stream.write(buf.subarray(off));
        return;
      }
      if (GONE.has(code)) return;
      throw outputError(fd, e);
    }
    off += n;
  }
}

export function writeStdout(text: string): void {
  writeFd(1, text);
}

export function writeStderr(text: string): void {
  writeFd(2, text);
}
