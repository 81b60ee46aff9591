/**
 * The ptrace backend (non-root, same user): one `strace` per pid in signal-only mode — it stops the target
 * only for signals and for exit_group, never for other syscalls. strace is wrapped in
 * `setpriv --pdeathsig KILL` when available so it cannot outlive a watcher killed with SIGKILL (the kernel
 * then detaches it from the target, which runs on). SIGKILL itself is never reported to a tracer before the
 * death: its sender stays unknown here.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import { registerCleanup } from '../source/trace/registry';
import type { Cause, Evidence } from '../engine/types';
import { isRunning, readComm, readIdentity } from '../source/process-identity';
import { parseStraceLine } from './strace-parse';
import type { DeathMechanism } from './derive';
import type { BackendOutcome, BackendRun, WatchedTarget } from './types';

const NON_FATAL = new Set(['SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGWINCH']);

export function straceAvailable(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore', timeout: 5000 }).status === 0;
}

function hasSetprivPdeathsig(): boolean {
  const r = spawnSync('setpriv', ['--help'], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 && r.stdout.includes('--pdeathsig');
}

interface LastSignal {
  signal: string;
  code: string | null;
  senderPid: number | null;
  senderUid: number | null;
  senderComm: string | null;
  atMs: number;
}

/** The mechanism a strace signal line names on its own, or null when only syscall events could tell. */
export function ptraceMechanism(
  signal: string,
  code: string | null,
  senderPid: number | null,
  pid: number,
): DeathMechanism | null {
  if (code === 'SI_KERNEL' && signal === 'SIGHUP') return 'kernel-hangup';
  if (code === 'SI_KERNEL' && (signal === 'SIGINT' || signal === 'SIGQUIT')) return 'terminal-key';
  if (signal === 'SIGPIPE' && code === 'SI_USER' && senderPid === pid) return 'broken-pipe';
  return null;
}

/** The watched process is still alive and still the same one (pid not reused: same start time). */
function sameProcessRunning(t: WatchedTarget): boolean {
  if (!isRunning(t.pid)) return false;
  return readIdentity(t.pid)?.startTime === t.identity.startTime;
}

/** `strace: attach: ptrace(PTRACE_SEIZE, 123): Operation not permitted` -> `strace: attach: Operation not permitted`. */
function tidyStraceError(text: string): string {
  return text.replace(/ptrace\([A-Z_]+(?:, *\d+)?\): */, '');
}

export function startPtraceBackend(targets: WatchedTarget[]): BackendRun {
  const wrap = hasSetprivPdeathsig();
  let stopped = false;
  const outcomes = new Map<number, BackendOutcome>();
  const seen = new Map<number, number>();
  const children: ChildProcess[] = [];
  const unregister = registerCleanup(() => {
    for (const c of children)
      if (c.pid && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
  });

  const perPid = targets.map(
    (t) =>
      new Promise<void>((resolve) => {
        // -q, not -qq: -qq also hides the `+++ exited with N +++` line.
        const args = ['-q', '-e', 'trace=exit_group', '-e', 'signal=all', '-p', String(t.pid)];
        const child = wrap
          ? spawn('setpriv', ['--pdeathsig', 'KILL', 'strace', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
          : spawn('strace', args, { stdio: ['ignore', 'ignore', 'pipe'] });
        children.push(child);
        let last: LastSignal | null = null;
        let cause: Cause | null = null;
        let endedAt: string | null = null;
        let errText = '';
        let exitGroup: number | null = null;
        let partial = '';
        seen.set(t.pid, 0);
        child.stderr?.setEncoding('utf8');
        child.stderr?.on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const raw of lines) {
            const l = parseStraceLine(raw);
            if (!l) {
              if (raw.trim()) errText = raw.trim();
              continue;
            }
            const now = Date.now();
            if (l.type === 'signal') {
              seen.set(t.pid, (seen.get(t.pid) ?? 0) + 1);
              // Read the sender's name now: it may exit right after sending.
              const senderComm = l.senderPid ? readComm(l.senderPid) : null;
              if (!NON_FATAL.has(l.signal)) last = { ...l, senderComm, atMs: now };
            } else if (l.type === 'exit_group') {
              exitGroup = l.code;
            } else if (l.type === 'exited') {
              endedAt = new Date(now).toISOString();
              const details: Evidence = { backend: 'ptrace' };
              if (last) details.afterSignal = last.signal;
              cause = { kind: 'exit', exitCode: l.code, time: endedAt, source: 'watch', details };
            } else if (l.type === 'killed') {
              endedAt = new Date(now).toISOString();
              const match = last && last.signal === l.signal ? last : null;
              const kernelSent = match?.code === 'SI_KERNEL';
              const details: Evidence = {
                backend: 'ptrace',
                kernelSent,
                groupDirected: null,
                siCode: match?.code ?? null,
                coreDumped: l.coreDumped,
              };
              if (kernelSent && l.signal === 'SIGHUP') details.reason = 'terminal-hangup';
              // What si_code and si_pid alone can tell (no syscall events here): the kernel's tty signals and
              // a SIGPIPE the process raised by its own write. A kill() and a parent-death signal look alike.
              const m = ptraceMechanism(l.signal, match?.code ?? null, match?.senderPid ?? null, t.pid);
              if (m) details.mechanism = m;
              if (l.signal === 'SIGKILL') details.note = 'SIGKILL is not reported to a tracer: sender unknown';
              cause = { kind: 'signal', signal: l.signal, time: endedAt, source: 'watch', details };
              if (match?.senderPid) {
                cause.sender = { pid: match.senderPid, comm: match.senderComm ?? '?' };
                if (match.senderUid !== null) cause.sender.uid = match.senderUid;
              }
            }
          }
        });
        child.on('close', () => {
          // strace's own messages already start with `strace: `: say it once.
          const why = errText ? (errText.startsWith('strace:') ? errText : `strace: ${errText}`) : null;
          if (!cause && endedAt === null && exitGroup === null && sameProcessRunning(t)) {
            // No `+++ exited/killed +++` and the same process runs on: strace could not attach (EPERM for
            // another user's process, yama ptrace_scope, already traced) or was stopped. Not a death.
            const attachFailed = stopped
              ? undefined
              : `ptrace: ${/not permitted|EPERM/i.test(why ?? '') ? 'not permitted' : 'could not attach'}${why ? ` (${tidyStraceError(why)})` : ''}`;
            outcomes.set(t.pid, {
              cause: null,
              signalsSeen: seen.get(t.pid) ?? 0,
              endedAt: null,
              note: 'still running when the watch stopped',
              attachFailed,
            });
            resolve();
            return;
          }
          if (!cause && exitGroup !== null) {
            // strace lost the exit report (killed, or detached early) but saw exit_group(N).
            cause = {
              kind: 'exit',
              exitCode: exitGroup & 0xff,
              time: new Date().toISOString(),
              source: 'watch',
              details: { backend: 'ptrace' },
            };
          }
          const note = cause ? undefined : (why ?? 'ended without an exit report');
          outcomes.set(t.pid, {
            cause,
            signalsSeen: seen.get(t.pid) ?? 0,
            endedAt: endedAt ?? new Date().toISOString(),
            note,
          });
          resolve();
        });
        child.on('error', (e) => {
          errText = e.message;
        });
      }),
  );

  const done = Promise.all(perPid).then(() => {
    unregister();
    return outcomes;
  });
  return {
    done,
    signalsSeen: (pid) => seen.get(pid) ?? 0,
    stop: () => {
      // SIGINT makes strace detach cleanly and exit; the target runs on.
      stopped = true;
      for (const c of children) if (c.pid && c.exitCode === null) c.kill('SIGINT');
    },
  };
}
