/**
 * stdout and stderr may go away under us: `whydied ... | head -c1` closes the pipe (EPIPE), closing the
 * terminal makes every write fail (EIO), a daemon may be started with a closed or broken stderr. None of these
 * is an error of the diagnosis: the output is dropped quietly and the exit code stays the one the command
 * set. Without a listener, node turns the stream's 'error' into an uncaught exception (a stack trace, exit 1).
 */
import * as fs from 'fs';
import { EXIT } from '../engine/exit-code';
import { outputError } from './stdout';

const GONE = new Set([
  'EPIPE',
  'EIO',
  'EBADF',
  'ECONNRESET',
  'ENXIO',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);

let installed = false;

export function guardOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  if (installed) return;
  installed = true;
  for (const s of streams) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (GONE.has(e.code ?? '')) return;
      // Anything else (ENOSPC on a redirected file) is still not worth a crash: one line and exit 2 (the
      // output could not be written where it was sent, as writeStdout says it), never a stack.
      if (process.exitCode !== EXIT.usage) {
        process.exitCode = EXIT.usage;
        try {
          fs.writeSync(2, `whydied: ${outputError(s === process.stderr ? 2 : 1, e).message}\n`);
        } catch {
          /* stderr itself is gone: the exit code says it */
        }
      }
    });
  }
}
