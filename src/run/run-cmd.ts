/**
 * `whydied run [--] CMD ARGS...`: a transparent supervisor. CMD inherits stdin, stdout and stderr; whydied
 * never reads or writes them. Its exit status is passed through (128+N for a signal). On success nothing is
 * printed; otherwise one line on stderr says how it ended (sender and mechanism from a tracefs watch when
 * root, else the wait status), with its peak RSS and the memory cgroup's OOM-kill delta, and a record goes
 * to the records store (and to the fleet outputs asked for).
 *
 * Process groups: without a terminal, CMD gets a session (and group) of its own, so "its group" is exactly
 * what it started, a group kill of it is seen as such, and whydied survives it to report; signals whydied
 * receives (a CI runner stopping the step) are forwarded to that group. On a terminal, CMD stays in the
 * foreground group so ^C and job control reach it directly. With util-linux setpriv, CMD also gets
 * PR_SET_PDEATHSIG=SIGKILL: it never outlives a whydied that was SIGKILLed.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { isatty } from 'tty';
import { UsageError } from '../util/errors';
import { escapeControl } from '../util/escape';
import { memcgOf, nsPidOf, oomKills, resolveCommand, setprivPath, vmHwmKb } from '../source/run-probe';
import { readIdentity } from '../source/process-identity';
import type { BackendRun, WatchedTarget } from '../observe/types';
import type { Cause } from '../engine/types';
import type { RecordIdentity } from '../source/records/types';
import { describeRun, RunOutcome, runCause, shellStatus } from './describe';
import type { DeathRecord } from '../source/records/types';
import { deathOf } from '../source/death';

export interface RunRequest {
  argv: string[];
  /** Skip the tracefs watch even as root (tests of the fallback). */
  noWatch?: boolean;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
const SAMPLE_MS = 100;
/** The gate shell's $0: how a sample tells the gate from CMD. */
const GATE_NAME = 'whydied-run-gate';
/** How long to wait, after the wait status, for the watch to finish reading its events. */
const WATCH_GRACE_MS = 2000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** CMD's status as the shell gives it, and its death when it did not succeed (null: success, or not seen alive). */
export interface RunResult {
  status: number;
  death: DeathRecord | null;
}

export async function runRun(req: RunRequest): Promise<RunResult> {
  try {
    return await supervise(req);
  } finally {
    // In-process callers (tests) get the registry's normal signal behaviour back.
    (await import('../source/trace/registry')).setSignalsExit(true);
  }
}

async function supervise(req: RunRequest): Promise<RunResult> {
  if (req.argv.length === 0 || req.argv[0] === '')
    throw new UsageError('run needs a command: whydied run -- CMD ARGS...');
  const [cmd, ...args] = req.argv;
  const found = resolveCommand(cmd, process.env.PATH);
  if ('error' in found) {
    // A shell's words and codes: 127 not found, 126 found but not executable.
    log(
      `whydied run: ${escapeControl(cmd)}: ${found.error === 'not-found' ? 'command not found' : 'permission denied'}`,
    );
    return { status: found.error === 'not-found' ? 127 : 126, death: null };
  }
  const memcg = memcgOf('self');
  const oomBefore = memcg ? oomKills(memcg) : null;
  // isatty, not process.stdin: creating that stream could set O_NONBLOCK on a pipe CMD shares with us.
  const onTty = isatty(0);
  const setpriv = setprivPath();
  const inner = setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', found.path, ...args] : [found.path, ...args];
  const watchable = !req.noWatch && process.getuid?.() === 0;
  // As root, CMD waits at a gate (a shell reading fd 3) until the tracefs watch is on, so even a death in its
  // first microseconds is seen with its sender; the shell then execs it (same pid, fd 3 closed).
  const file = watchable ? '/bin/sh' : inner[0];
  const fileArgs = watchable
    ? ['-c', 'IFS= read -r _ <&3 || exit 125; exec 3<&-; exec "$@"', GATE_NAME, ...inner]
    : inner.slice(1);
  const child = spawn(file, fileArgs, {
    stdio: watchable ? ['inherit', 'inherit', 'inherit', 'pipe'] : 'inherit',
    detached: !onTty,
    argv0: watchable || setpriv ? undefined : cmd,
  });
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((r) => child.once('error', r));
    log(`whydied run: cannot start ${escapeControl(cmd)}: ${escapeControl(err.message)}`);
    return { status: 126, death: null };
  }
  const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  // Forward what whydied is asked to stop with; on a terminal ^C/^\ already reached CMD's group.
  const handlers = FORWARDED.map((sig) => {
    const h = (): void => {
      if (onTty && (sig === 'SIGINT' || sig === 'SIGQUIT')) return;
      try {
        process.kill(onTty ? pid : -pid, sig);
      } catch {
        /* already gone */
      }
    };
    process.on(sig, h);
    return { sig, h };
  });

  // Identity and peak RSS, sampled while it runs (comm and argv as of its exec).
  let identity: RecordIdentity | null = null;
  let peak: number | null = null;
  let nsPid: number[] | null = null;
  const sample = (): void => {
    const id = readIdentity(pid);
    // Before CMD's exec the pid is the gate or setpriv: their memory is not CMD's.
    if (!id || (id.argvHead[1] === '-c' && id.argvHead[3] === GATE_NAME) || id.comm === 'setpriv') return;
    const hwm = vmHwmKb(pid);
    if (hwm !== null) peak = Math.max(peak ?? 0, hwm);
    nsPid = nsPidOf(pid) ?? nsPid;
    if (id && (!identity || id.startTime === identity.startTime)) identity = id;
  };
  const firstRead = readIdentity(pid);
  // NSpid does not change across exec: the gate's is CMD's.
  nsPid = nsPidOf(pid);
  sample();
  const sampler = setInterval(sample, SAMPLE_MS);

  let watchNote: string | undefined;
  let backend: BackendRun | null = null;
  let target: WatchedTarget | null = null;
  if (req.noWatch) watchNote = 'watch disabled';
  else if (!watchable) watchNote = 'tracefs needs root';
  else {
    const { startTracefsBackend } = await import('../observe/tracefs-backend');
    const { setSignalsExit } = await import('../source/trace/registry');
    setSignalsExit(false);
    const gateId = firstRead;
    try {
      if (!gateId) throw new Error('the command was gone before the watch started');
      target = { pid, identity: gateId };
      // Synchronous: tracing is on when it returns, before the gate opens.
      backend = startTracefsBackend([target]);
    } catch (e) {
      watchNote = `tracefs: ${(e as Error).message}`;
    }
  }
  const gate = child.stdio[3] as NodeJS.WritableStream | null | undefined;
  if (gate) {
    (gate as unknown as { on(ev: string, f: () => void): void }).on('error', () => undefined);
    gate.end('go\n');
  }

  const st = await ended;
  clearInterval(sampler);
  for (const { sig, h } of handlers) process.removeListener(sig, h);
  const status = shellStatus(st.code, st.signal);
  if (status === 0) {
    // Success says nothing: the watch is stopped at once (its instance removed), not awaited.
    backend?.stop();
    return { status: 0, death: null };
  }
  let watched: { cause: Cause | null; endedAt: string | null; note?: string } | null = null;
  if (backend) {
    const run = backend;
    const grace = setTimeout(() => run.stop(), WATCH_GRACE_MS);
    const out = (await run.done).get(pid);
    clearTimeout(grace);
    watched = out ? { cause: out.cause, endedAt: out.endedAt, note: out.note } : null;
  }

  const oomAfter = memcg ? oomKills(memcg) : null;
  // An allocation burst can be OOM-killed between two samples: the kernel's own count of its resident memory
  // at the kill (mark_victim's anon-rss) is then the better peak.
  const atKill = watched?.cause?.kind === 'oom-kill' ? watched.cause.details?.anonRssKb : undefined;
  if (typeof atKill === 'number' && atKill > (peak ?? 0)) peak = atKill;
  // A command that ended before a sample saw it after its exec: the fields exec keeps (pid, start time,
  // parents, session, cgroup) from the first read, the name and argv exec gave it from what was run.
  const execComm = path.basename(found.path).slice(0, 15);
  let id: RecordIdentity | null =
    identity ??
    (firstRead
      ? {
          ...firstRead,
          comm: execComm,
          argvHead: req.argv.slice(0, 6).map((a) => (a.length > 200 ? a.slice(0, 200) + '…' : a)),
        }
      : null);
  // The watch saw every exec (task_rename): its name is the last one, even after the last sample.
  if (
    id &&
    target &&
    target.identity.comm !== id.comm &&
    !(target.identity.argvHead[1] === '-c' && target.identity.argvHead[3] === GATE_NAME)
  )
    id = { ...id, comm: target.identity.comm, argvHead: target.identity.argvHead };
  else if (
    id &&
    target &&
    target.identity.comm !== id.comm &&
    target.identity.comm !== 'sh' &&
    target.identity.comm !== 'setpriv'
  )
    id = { ...id, comm: target.identity.comm };
  const outcome: RunOutcome = {
    pid,
    comm: id?.comm ?? cmd.slice(cmd.lastIndexOf('/') + 1).slice(0, 15),
    exitCode: st.code,
    signal: st.signal,
    watched: watched?.cause ?? null,
    watchNote: watched && !watched.cause ? (watched.note ?? 'the watch saw no cause') : watchNote,
    peakRssKb: peak,
    oom:
      memcg && oomBefore !== null && oomAfter !== null ? { cgroup: memcg.cgroup, delta: oomAfter - oomBefore } : null,
    endedAt: watched?.endedAt ?? new Date().toISOString(),
  };
  const cause = runCause(outcome);
  log(describeRun(outcome, cause));
  return { status, death: id ? { v: 1, ...deathOf(id, cause, outcome.endedAt), nsPid } : null };
}
