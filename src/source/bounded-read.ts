/**
 * Reading a file the user named (`--from`, `--kmsg`, `--journal`, `-` for stdin) within bounds: whydied
 * must answer in one line, never grow without end or hang. A regular file larger than the cap is refused
 * before it is read; a device (`/dev/zero`), a named FIFO, a socket or a directory is refused; stdin may be a
 * file or a pipe (`dmesg | whydied --kmsg - NAME`): a pipe is read through its own non-blocking open file
 * description (/proc/self/fd/0, so the parent's stdin flags stay as they were), at most `maxBytes`, and
 * must reach its end within `timeoutMs`. A terminal on stdin is refused (it has no end).
 */
import * as fs from 'fs';

export class BoundedReadError extends Error {}

/** What whydied reads of a bundle or a saved log: a pipe must end within a minute, nothing beyond 256 MiB. */
export const INPUT_BOUNDS: Bounds = { maxBytes: 256 * 1024 * 1024, timeoutMs: 60_000 };

export interface Bounds {
  maxBytes: number;
  timeoutMs: number;
}

const C = fs.constants;
const mib = (n: number): string => `${Math.round(n / (1024 * 1024))} MiB`;
const codeOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function kindOf(st: fs.Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Wait `ms` without spinning (a synchronous reader has no event loop to yield to). */
const pause = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** `what`: the sentence's subject ("the kernel log"). Returns the text (UTF-8). */
export function readBounded(file: string, what: string, bounds: Bounds): string {
  const stdin = file === '-';
  const name = stdin ? 'stdin' : file;
  let fd: number;
  try {
    fd = stdin ? 0 : fs.openSync(file, C.O_RDONLY | C.O_NONBLOCK | C.O_NOCTTY);
  } catch (e) {
    throw new BoundedReadError(`cannot read ${what} ${name}: ${codeOf(e)}`);
  }
  let own = !stdin;
  try {
    const st = fs.fstatSync(fd);
    if (st.isFile()) {
      if (st.size > bounds.maxBytes)
        throw new BoundedReadError(
          `${what} ${name} is ${mib(st.size)}: more than the ${mib(bounds.maxBytes)} whydied reads`,
        );
    } else if (!stdin || !(st.isFIFO() || st.isSocket())) {
      // tty is required here, not at load: it loads net and the stream modules (~20 of Node's own, ~2 ms of
      // every start), and only this refusal asks it anything.
      const isTerminal = (): boolean => (require('tty') as typeof import('tty')).isatty(0);
      const kind = stdin && st.isCharacterDevice() && isTerminal() ? 'a terminal' : kindOf(st);
      throw new BoundedReadError(`${what} ${name} is ${kind}: give a regular file${stdin ? '' : ' (or - and a pipe)'}`);
    } else {
      // A pipe on stdin (or a socket pair: node's child stdio): our own non-blocking open of it; a socket
      // cannot be reopened and is read as inherited (bounded in size).
      try {
        fd = fs.openSync('/proc/self/fd/0', C.O_RDONLY | C.O_NONBLOCK);
        own = true;
      } catch {
        /* no /proc: read the inherited descriptor (a blocking pipe is still bounded in size) */
      }
    }
    return readAll(fd, name, what, bounds);
  } finally {
    if (own) fs.closeSync(fd);
  }
}

function readAll(fd: number, name: string, what: string, bounds: Bounds): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const deadline = Date.now() + bounds.timeoutMs;
  const buf = Buffer.alloc(1024 * 1024);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (codeOf(e) !== 'EAGAIN') throw new BoundedReadError(`cannot read ${what} ${name}: ${codeOf(e)}`);
      if (Date.now() > deadline)
        throw new BoundedReadError(`${what} from ${name} did not end within ${Math.round(bounds.timeoutMs / 1000)} s`);
      pause(10);
      continue;
    }
    if (n === 0) break;
    total += n;
    if (total > bounds.maxBytes)
      throw new BoundedReadError(`${what} from ${name} is more than the ${mib(bounds.maxBytes)} whydied reads`);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}
