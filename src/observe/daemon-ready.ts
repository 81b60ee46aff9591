/**
 * Starting a deliberate long-lived whydied process (the record daemon, the launch sentinel) detached from
 * the caller: `detached: true` makes node call setsid() in the child (new session, new process group, no
 * controlling terminal), stdio goes to /dev/null or a log file, and the only link back is a pipe on fd 3
 * that the child writes one line to - `ok <json>` or `error <message>` - and closes. The parent waits for
 * that line, so it can print the real outcome and a pid that is really running.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import type { Readable } from 'stream';
import { isSingleExecutable } from '../util/sea';

export const READY_FD_ENV = 'WHYDIED_READY_FD';

export interface Started {
  pid: number;
  /** The JSON the child sent with `ok`. */
  info: unknown;
}

/**
 * What a re-spawn or a systemd unit runs to start whydied again, absolute: node and the CLI entry, or the
 * single executable alone (its argv[1] is only the name it was started by).
 */
export function selfCommand(): string[] {
  if (isSingleExecutable()) return [process.execPath];
  return [process.execPath, fs.realpathSync(process.argv[1] ?? '')];
}

export function startDetached(args: string[], outFd: number | 'ignore', timeoutMs = 20000): Promise<Started> {
  const [exe, ...prefix] = selfCommand();
  const child = spawn(exe, [...prefix, ...args], {
    detached: true,
    stdio: ['ignore', outFd, outFd, 'pipe'],
    env: { ...process.env, [READY_FD_ENV]: '3' },
  });
  child.unref();
  const pipe = child.stdio[3] as Readable;
  return new Promise<Started>((resolve, reject) => {
    let text = '';
    let settled = false;
    const done = (err: Error | null, v?: Started): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pipe.destroy();
      if (err) reject(err);
      else resolve(v as Started);
    };
    const timer = setTimeout(() => {
      // Not ready in time: do not leave it behind.
      if (child.pid) process.kill(child.pid, 'SIGTERM');
      done(new Error(`the detached process did not report readiness within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => (text += d));
    pipe.on('end', () => {
      const line = text.split('\n')[0] ?? '';
      if (line.startsWith('ok ')) {
        try {
          done(null, { pid: child.pid as number, info: JSON.parse(line.slice(3)) });
        } catch {
          done(null, { pid: child.pid as number, info: null });
        }
      } else if (line.startsWith('error ')) done(new Error(line.slice(6)));
      else done(new Error('the detached process exited before it was ready'));
    });
    pipe.on('error', () => undefined);
    child.on('error', (e) => done(e));
  });
}

/** In the child: tell the parent (if it is waiting) and close the pipe so nothing ties us to it. */
export function reportReady(info: unknown): void {
  sendOnce(`ok ${JSON.stringify(info)}\n`);
}

export function reportFailure(message: string): void {
  sendOnce(`error ${message.split('\n')[0]}\n`);
}

function sendOnce(line: string): void {
  const fdText = process.env[READY_FD_ENV];
  if (!fdText) return;
  delete process.env[READY_FD_ENV];
  const fd = Number(fdText);
  try {
    fs.writeSync(fd, line);
  } catch {
    /* the parent gave up waiting */
  }
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
}
