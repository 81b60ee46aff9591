/**
 * An interactive `bash -i` on a local pty, without ssh: the same LoginShell interface as login.ts, with
 * `hangup()` = close the pty master (the kernel hangs up the terminal: SIGHUP to the session leader, which
 * forwards it to its jobs). The pty is held by pty-control.py, a driver with stdin as its control channel.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { track, waitGone } from '../../helpers/processes';
import { cleanEnv } from '../../scenarios/helpers';
import { LoginShell, TerminalShell } from './terminal-shell';
import { onTeardown } from './teardown';

export interface LocalShell extends LoginShell {
  /** Close the pty master; wait until the shell has exited. */
  hangup(): Promise<void>;
  /** The same as hangup(), so scenarios can take either an SSH login or a local shell. */
  drop(): Promise<void>;
}

export interface LocalShellOptions {
  env?: Record<string, string>;
  /** Extra bash options, e.g. ['-l'] for a login shell. Default: no rc files, so the machine's dotfiles do not matter. */
  bashArgs?: string[];
  timeoutMs?: number;
}

const DRIVER = path.join(__dirname, 'pty-control.py');

class LocalSession extends TerminalShell implements LocalShell {
  async hangup(): Promise<void> {
    this.transport.stdin?.end();
    if (!(await waitGone(this.shellPid, 10000))) {
      throw new Error(`shell ${this.shellPid} survived the hangup; output:\n${this.transcript().slice(-1000)}`);
    }
  }

  drop(): Promise<void> {
    return this.hangup();
  }
}

export async function localShell(opts: LocalShellOptions = {}): Promise<LocalShell> {
  const bashArgs = opts.bashArgs ?? ['--norc', '--noprofile'];
  const child = spawn('python3', [DRIVER, 'bash', ...bashArgs, '-i'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // The test's environment without CI markers (the machine may itself be a CI job); TERM for readline.
    env: cleanEnv({ TERM: 'dumb' }),
  });
  if (!child.pid) throw new Error('could not start the pty driver');
  const session = new LocalSession(child, track(child.pid));
  const undo = onTeardown(`local shell (driver ${child.pid})`, () => session.close());
  try {
    await session.init(opts.env ?? {}, opts.timeoutMs ?? 10000);
  } catch (e) {
    await undo();
    throw e;
  }
  return session;
}
