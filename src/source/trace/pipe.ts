/**
 * Reading trace_pipe without tying up a thread: the file is opened O_NONBLOCK and drained on a short timer.
 * A blocking read (fs.createReadStream) would park a libuv pool thread inside the kernel with no way to
 * cancel it, so stopping (and rmdir of the instance, which is EBUSY while trace_pipe is open) could hang.
 * Draining costs one read(2) per tick when idle; the tick shortens while events are flowing.
 */
import * as fs from 'fs';

export interface TracePipe {
  /** Read whatever is buffered right now, delivering complete lines. */
  drain(): void;
  close(): void;
  readonly closed: boolean;
}

const IDLE_MS = 20;
const CHUNK = 64 * 1024;

export function openTracePipe(file: string, onLine: (line: string) => void): TracePipe {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.alloc(CHUNK);
  let partial = '';
  let closed = false;
  let timer: NodeJS.Timeout | null = null;

  /** Returns true when it stopped with data possibly left (so the next tick comes at once). */
  const drainSome = (maxReads: number): boolean => {
    for (let i = 0; i < maxReads && !closed; i++) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return false;
        throw e;
      }
      if (n <= 0) return false;
      const text = partial + buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) onLine(line);
    }
    return !closed;
  };
  const drain = (): void => {
    while (drainSome(64)) {
      /* synchronous full drain, used before teardown */
    }
  };

  const tick = (): void => {
    timer = null;
    if (closed) return;
    let more = false;
    try {
      // Bounded per tick so a flood of events cannot starve the event loop.
      more = drainSome(64);
    } finally {
      if (!closed) timer = setTimeout(tick, more ? 0 : IDLE_MS);
    }
  };
  timer = setTimeout(tick, 0);

  return {
    drain,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    },
    get closed() {
      return closed;
    },
  };
}
