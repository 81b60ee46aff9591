/**
 * `--on-death CMD`: run the user's command with one death as JSON (`whydied.death/1`) on its stdin.
 * Never steerable by the dying process: CMD is the user's string, run by /bin/sh -c exactly as given; the
 * death goes only to stdin; the environment is PATH alone (no process data, nothing of whydied's own).
 * Bounded: at most MAX_RUNNING hooks at once, a queue of MAX_QUEUED (more are dropped and counted), each
 * killed (its whole process group) after the timeout; none outlives whydied.
 */
import { spawn, ChildProcess } from 'child_process';
import type { DeathEvent } from './death-event';

export const MAX_RUNNING = 4;
const MAX_QUEUED = 100;
const DEFAULT_HOOK_TIMEOUT_MS = 10000;
const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface HookStats {
  started: number;
  failed: number;
  timedOut: number;
  dropped: number;
}

export class DeathHook {
  private readonly queue: DeathEvent[] = [];
  private readonly running = new Set<ChildProcess>();
  /** Pids of hooks (so the recorder does not report their own ends back to them). */
  readonly pids = new Set<number>();
  private idle: Array<() => void> = [];
  readonly stats: HookStats = { started: 0, failed: 0, timedOut: 0, dropped: 0 };
  private readonly onExit = (): void => this.killAll();

  constructor(
    private readonly command: string,
    private readonly log: (line: string) => void,
    private readonly timeoutMs = DEFAULT_HOOK_TIMEOUT_MS,
  ) {
    process.on('exit', this.onExit);
  }

  push(e: DeathEvent): void {
    if (this.running.size < MAX_RUNNING) this.start(e);
    else if (this.queue.length < MAX_QUEUED) this.queue.push(e);
    else if (++this.stats.dropped === 1 || this.stats.dropped % 100 === 0)
      this.log(`--on-death: ${this.stats.dropped} death(s) dropped: hooks are too slow`);
  }

  private start(e: DeathEvent): void {
    this.stats.started++;
    const child = spawn('/bin/sh', ['-c', this.command], {
      stdio: ['pipe', 'ignore', 'inherit'],
      env: { PATH: SAFE_PATH },
      detached: true,
    });
    this.running.add(child);
    if (child.pid) {
      this.pids.add(child.pid);
      // Bounded memory: only recent hooks can still have descendants worth filtering out.
      if (this.pids.size > 1024) this.pids.delete(this.pids.values().next().value as number);
    }
    const timer = setTimeout(() => {
      this.stats.timedOut++;
      this.log(`--on-death: hook (pid ${child.pid}) ran longer than ${this.timeoutMs} ms: killed`);
      killGroup(child);
    }, this.timeoutMs);
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(e) + '\n');
    const done = (failed: boolean): void => {
      clearTimeout(timer);
      if (!this.running.delete(child)) return;
      if (failed) this.stats.failed++;
      // Its descendants go with it: a hook never leaves anything behind.
      killGroup(child);
      const next = this.queue.shift();
      if (next) this.start(next);
      else if (this.running.size === 0) for (const w of this.idle.splice(0)) w();
    };
    child.on('error', () => done(true));
    child.on('exit', (code) => done(code !== 0));
  }

  /** Resolves when nothing is running or queued. */
  drained(): Promise<void> {
    return this.running.size === 0 && this.queue.length === 0
      ? Promise.resolve()
      : new Promise((r) => this.idle.push(r));
  }

  killAll(): void {
    this.queue.length = 0;
    for (const c of this.running) killGroup(c);
  }

  async close(graceMs = this.timeoutMs): Promise<void> {
    await Promise.race([this.drained(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.killAll();
    process.removeListener('exit', this.onExit);
  }
}

function killGroup(c: ChildProcess): void {
  if (!c.pid) return;
  try {
    process.kill(-c.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
