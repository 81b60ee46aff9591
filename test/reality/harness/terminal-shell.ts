/**
 * An interactive bash on a real terminal, driven through a pipe: the common part of an SSH login
 * (login.ts) and a local pty (local-shell.ts). The transport is a child process whose stdin reaches the
 * terminal's input and whose stdout carries the terminal's output (the ssh client, or a pty driver).
 *
 * Commands are framed by markers, so prompts, motd, job notices and echo never confuse a reply:
 * `cmdline` then `echo "__WD_<n>_$?__"`; the typed text (if echoed) holds a literal `$?`, never digits.
 */
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import { isAlive, procStat, track, waitFor, waitGone } from '../../helpers/processes';

export interface RunResult {
  out: string;
  status: number;
}

export interface BackgroundOptions {
  /** The comm the job has once it has exec'd (default: anything but `bash`, i.e. the fork has exec'd). */
  comm?: string;
  timeoutMs?: number;
}

export interface LoginShell {
  /** The interactive bash (host pid); the session leader of its terminal. */
  readonly shellPid: number;
  /** The local process carrying the terminal (ssh client or pty driver). */
  readonly clientPid: number;
  /** The terminal device, e.g. /dev/pts/3. */
  readonly tty: string;
  /**
   * Run `cmdline` to completion; its output and status. It must not read the terminal (it would swallow the
   * marker line typed after it): give it `</dev/null`, or use foreground()/type() for interactive programs.
   */
  run(cmdline: string, timeoutMs?: number): Promise<RunResult>;
  /** `cmdline &`; the job's pid once it has exec'd; tracked for cleanup. */
  background(cmdline: string, opts?: BackgroundOptions): Promise<number>;
  /** Type `cmdline` as a foreground job; its pid (the job's group leader) once it runs `opts.comm`; tracked. */
  foreground(cmdline: string, opts?: BackgroundOptions): Promise<number>;
  /** Type ^Z and wait until the foreground job `pid` is stopped (state T). */
  stopForeground(pid: number): Promise<void>;
  /** Raw bytes into the terminal: `\x1a` stops the foreground job, `sleep 9\n` starts one. */
  type(raw: string): void;
  /** Type `exit` (twice when bash refuses with "There are stopped jobs."), wait until the shell is gone. */
  exit(): Promise<void>;
  /** Kill whatever is left of the shell and transport. Idempotent. */
  close(): Promise<void>;
  /** Everything the terminal printed so far (for failure messages). */
  transcript(): string;
}

const ESC = String.fromCharCode(27);
// CSI sequences (bracketed paste toggles, colours) and OSC titles a login may print; stripped from replies.
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}\\][^\\x07]*\\x07`, 'g');

function comm(pid: number): string | null {
  return procStat(pid)?.comm ?? null;
}

/** Quote for bash: single quotes, embedded ones as '\''. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class TerminalShell implements LoginShell {
  shellPid = 0;
  tty = '';
  private buf = '';
  private seq = 0;
  private transportExited = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    protected readonly transport: ChildProcess,
    readonly clientPid: number,
  ) {
    const onData = (d: Buffer): void => {
      this.buf += d.toString('utf8');
      for (const l of [...this.listeners]) l();
    };
    transport.stdout?.on('data', onData);
    transport.stderr?.on('data', onData);
    transport.on('exit', () => {
      this.transportExited = true;
      for (const l of [...this.listeners]) l();
    });
    // A write after the transport died must not crash the test process.
    transport.stdin?.on('error', () => undefined);
  }

  transcript(): string {
    return this.buf;
  }

  /** Wait for `re` in the output after `from`; rejects on timeout or when the transport ends first. */
  protected waitOutput(re: RegExp, from: number, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = re.exec(this.buf.slice(from));
        if (m) {
          m.index += from;
          done();
          resolve(m);
          return true;
        }
        if (this.transportExited) {
          done();
          reject(new Error(`${what}: the terminal transport exited; output:\n${this.tail()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: no reply within ${timeoutMs} ms; output:\n${this.tail()}`));
      }, timeoutMs);
      const listener = (): void => void check();
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      check();
    });
  }

  private tail(): string {
    return this.buf.slice(-2000);
  }

  type(raw: string): void {
    this.transport.stdin?.write(raw);
  }

  /**
   * Make the fresh shell quiet and learn its pid and tty. Echo off (readline honours the tty's ECHO flag),
   * no prompts, no bracketed-paste escapes; then the environment as typed `export` lines.
   */
  async init(env: Record<string, string> = {}, timeoutMs = 15000): Promise<void> {
    const from = this.buf.length;
    this.type(
      `stty -echo; PS1=; PS2=; unset PROMPT_COMMAND; bind 'set enable-bracketed-paste off' 2>/dev/null; ` +
        `echo "__WD_READY_$$_$(tty)__"\n`,
    );
    const m = await this.waitOutput(/__WD_READY_(\d+)_(\/dev\/[^\s_]+)__/, from, timeoutMs, 'shell start');
    this.shellPid = track(parseInt(m[1], 10));
    this.tty = m[2];
    for (const [k, v] of Object.entries(env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad environment name ${k}`);
      await this.run(`export ${k}=${shq(v)}`);
    }
  }

  async run(cmdline: string, timeoutMs = 10000): Promise<RunResult> {
    const n = ++this.seq;
    const from = this.buf.length;
    // The marker on its own line: `cmdline` may end in `&` or be a compound command.
    this.type(`${cmdline}\necho "__WD_${n}_$?__"\n`);
    const m = await this.waitOutput(
      new RegExp(`__WD_${n}_(\\d+)__`),
      from,
      timeoutMs,
      `run ${JSON.stringify(cmdline)}`,
    );
    const out = this.buf.slice(from, m.index).replace(ANSI, '').replace(/\r/g, '').trim();
    return { out, status: parseInt(m[1], 10) };
  }

  async background(cmdline: string, opts: BackgroundOptions = {}): Promise<number> {
    await this.run(`${cmdline} &`);
    const { out } = await this.run('echo "__WD_BG_$!__"');
    const m = /__WD_BG_(\d+)__/.exec(out);
    if (!m) throw new Error(`no $! after ${cmdline}: ${out}`);
    const pid = track(parseInt(m[1], 10));
    // $! is the fork; wait until it has exec'd the command so a test sees the real process, not bash.
    const want = opts.comm;
    if (want !== 'bash') {
      const ok = await waitFor(() => {
        const c = comm(pid);
        return c !== null && (want ? c === want : c !== 'bash');
      }, opts.timeoutMs ?? 5000);
      if (!ok) throw new Error(`job ${pid} (${cmdline}) did not exec ${want ?? 'its command'}: comm is ${comm(pid)}`);
    }
    return pid;
  }

  async foreground(cmdline: string, opts: BackgroundOptions = {}): Promise<number> {
    const own = procStat(this.shellPid)?.pgid;
    this.type(`${cmdline}\n`);
    // With job control the job gets its own group and the terminal's foreground group (tpgid) becomes it.
    let pid = 0;
    const ok = await waitFor(() => {
      const tpgid = procStat(this.shellPid)?.tpgid ?? -1;
      if (tpgid <= 0 || tpgid === own) return false;
      pid = tpgid;
      const c = comm(pid);
      return c !== null && (opts.comm ? c === opts.comm : c !== 'bash');
    }, opts.timeoutMs ?? 5000);
    if (!ok) throw new Error(`foreground job ${cmdline} did not start (foreground group ${pid})`);
    return track(pid);
  }

  async stopForeground(pid: number): Promise<void> {
    this.type('\x1a');
    if (!(await waitFor(() => procStat(pid)?.state === 'T', 5000))) throw new Error(`^Z did not stop ${pid}`);
  }

  async exit(): Promise<void> {
    const from = this.buf.length;
    this.type('exit\n');
    // bash refuses the first exit while jobs are stopped (or running, with checkjobs); the second one exits,
    // sending stopped jobs SIGHUP + SIGCONT.
    await waitFor(() => !isAlive(this.shellPid) || /There are (stopped|running) jobs/.test(this.buf.slice(from)), 5000);
    if (isAlive(this.shellPid)) this.type('exit\n');
    if (!(await waitGone(this.shellPid, 5000)))
      throw new Error(`shell ${this.shellPid} did not exit; output:\n${this.tail()}`);
    await waitFor(() => this.transportExited, 5000);
  }

  async close(): Promise<void> {
    for (const pid of [this.shellPid, this.clientPid]) {
      if (pid > 0 && isAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await waitFor(() => this.transportExited || !isAlive(this.clientPid), 5000);
    this.transport.stdin?.destroy();
  }

  /** The argv[0] of the shell: `-bash` for a login shell. */
  argv0(): string {
    try {
      return fs.readFileSync(`/proc/${this.shellPid}/cmdline`, 'utf8').split('\0')[0];
    } catch {
      return '';
    }
  }
}
