/**
 * A login session driven through a remote shell's stdin: the systemd container's and the v2 VM's `Login`
 * (an ssh login: sshd + PAM + logind make a real session-N.scope) differ only in how ssh is reached
 * (nsenter into the container, or straight to the VM's forwarded port). Commands go to the remote bash one
 * line at a time, each followed by a marker echo; ending stdin logs out.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';

export interface StdinSessionOptions {
  /** Default time for one command's answer, and for the logout, ms. */
  timeoutMs: number;
  /** Poll interval while waiting for a marker, ms. */
  pollMs: number;
  /** Keep stderr in the output (errors then show in a failure message); else dropped. */
  stderr: boolean;
}

export class StdinSession {
  private static open = new Set<StdinSession>();
  private out = '';
  private seq = 0;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number | null>;

  constructor(
    command: string,
    argv: readonly string[],
    private readonly opts: StdinSessionOptions,
  ) {
    this.child = spawn(command, [...argv], { stdio: 'pipe' });
    this.child.stdout.on('data', (d: Buffer) => (this.out += d.toString('utf8')));
    this.child.stderr.on('data', (d: Buffer) => {
      if (opts.stderr) this.out += d.toString('utf8');
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    StdinSession.open.add(this);
  }

  /** Log out every session a test left open (a failed test never reaches its logout). */
  static async closeAll(): Promise<void> {
    await Promise.all([...StdinSession.open].map((l) => l.logout()));
  }

  /** Run one command line in the session; its output (up to the marker). */
  async run(cmd: string, timeoutMs = this.opts.timeoutMs): Promise<string> {
    const marker = `__whydied_done_${++this.seq}__`;
    const start = this.out.length;
    this.child.stdin.write(`${cmd}\necho ${marker}\n`);
    const end = Date.now() + timeoutMs;
    while (this.out.indexOf(marker, start) === -1) {
      if (Date.now() > end || this.child.exitCode !== null)
        throw new Error(`login: no answer to ${cmd}: ${this.out.slice(start)}`);
      await new Promise((r) => setTimeout(r, this.opts.pollMs));
    }
    return this.out.slice(start, this.out.indexOf(marker, start)).trim();
  }

  /** Close the session (end of input: bash exits, sshd closes the PAM session, logind ends it). */
  async logout(timeoutMs = this.opts.timeoutMs): Promise<void> {
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
    StdinSession.open.delete(this);
  }
}

/** A user's logind sessions (ids), from `loginctl list-sessions` run by `sh` wherever it runs. */
export function sessionsVia(sh: (cmd: string) => { stdout: string }, user: string): string[] {
  return sh(`loginctl list-sessions --no-legend | awk '$3 == "${user}" { print $1 }'`)
    .stdout.split('\n')
    .filter(Boolean);
}
