/**
 * A real SSH login to the private sshd (sshd.ts): `ssh -tt` as root to 127.0.0.1 gives a login bash
 * (`-bash`) leading its own session on a pts, exactly what a user's terminal session is. `drop()` is a dropped
 * connection (the client dies, sshd closes the pty master, the kernel hangs up the terminal).
 */
import { spawn } from 'child_process';
import { isAlive, track, waitGone } from '../../helpers/processes';
import type { Sshd } from './sshd';
import { LoginShell, TerminalShell } from './terminal-shell';
import { onTeardown } from './teardown';

export interface SshLoginShell extends LoginShell {
  /** Drop the connection for real: SIGKILL the ssh client, wait until the remote login bash has exited. */
  drop(): Promise<void>;
}

export interface LoginOptions {
  /** Typed as `export K=V` lines after login (SendEnv is not used: sshd would filter it). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

class SshSession extends TerminalShell implements SshLoginShell {
  async drop(): Promise<void> {
    try {
      process.kill(this.clientPid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    if (!(await waitGone(this.shellPid, 10000))) {
      throw new Error(
        `login shell ${this.shellPid} survived the dropped connection; output:\n${this.transcript().slice(-1000)}`,
      );
    }
  }
}

export async function sshLogin(sshd: Sshd, opts: LoginOptions = {}): Promise<SshLoginShell> {
  const args = [
    '-tt', // a pty although our stdin is a pipe
    '-e',
    'none', // no escape character: typed bytes like `~.` or ^Z reach the remote terminal
    '-F',
    '/dev/null', // none of the machine's ssh_config
    '-i',
    sshd.clientKey,
    '-p',
    String(sshd.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'LogLevel=ERROR',
    'root@127.0.0.1',
  ];
  const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  if (!child.pid) throw new Error('could not start ssh');
  const clientPid = track(child.pid);
  const session = new SshSession(child, clientPid);
  const undo = onTeardown(`ssh login (client ${clientPid})`, () => session.close());
  try {
    await session.init(opts.env ?? {}, opts.timeoutMs ?? 20000);
  } catch (e) {
    await undo();
    throw e;
  }
  return session;
}

/** True while the ssh client is connected (helper for tests that want to assert the transport state). */
export function clientAlive(s: LoginShell): boolean {
  return isAlive(s.clientPid);
}
