/**
 * The launch sentinel: a small whydied process in its own session that starts the command and stays until
 * it dies, then saves a DeathRecord and exits.
 *
 * No blind window: the command is started as `sh -c 'kill -STOP $$ && exec "$@"'`, so it stops itself
 * before exec; the watch (tracefs as root, else ptrace, else polling) is attached to the stopped pid, and
 * only then is it continued into the real command (same pid, same start time across exec). Being the parent
 * also gives a last-resort cause: the wait status (exit code or signal, without a sender).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import type { Cause } from '../engine/types';
import { saveRecord } from '../source/records/store';
import { READY_FD_ENV, reportFailure, reportReady } from '../observe/daemon-ready';
import type { DeathRecord, RecordIdentity } from '../source/records/types';
import { readCmdlineText, readIdentity, procState } from '../source/process-identity';
import { watch } from '../observe/watch';
import { deathOf } from '../source/death';
import { stateDir } from '../source/records/state-dir';
import { writeLaunchEntry } from './registry';
import { openAppend } from '../source/safe-write';
import { safeLaunchSpawn } from '../model/safe-launch';

export interface SentinelRequest {
  name: string;
  log: string;
  argv: string[];
}

/** A launch record always carries its name (so `whydied <name>` finds it) and its log. */
export interface LaunchRecord extends DeathRecord {
  launch: { name: string; log: string };
}

const WRAPPER = 'kill -STOP $$ && exec "$@"';
/** How often the sentinel re-reads the command's identity (cheap /proc reads) while it runs. */
const REFRESH_MS = 500;

async function until(pred: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return pred();
}

function waitCause(code: number | null, signal: NodeJS.Signals | null): Cause | null {
  const details = { backend: 'wait-status', note: 'seen by the launching sentinel as the parent: no sender known' };
  if (signal) return { kind: 'signal', signal, time: new Date().toISOString(), source: 'watch', details };
  if (code !== null) return { kind: 'exit', exitCode: code, time: new Date().toISOString(), source: 'watch', details };
  return null;
}

export async function runSentinel(req: SentinelRequest): Promise<number> {
  const env = { ...process.env };
  delete env[READY_FD_ENV];
  let logFd: number;
  try {
    logFd = openAppend(req.log, { role: 'log' });
  } catch (e) {
    reportFailure((e as Error).message);
    return 2;
  }
  // The safe launch the remedy recommends (src/model/safe-launch.ts): setsid() in the child (its own
  // session and process group, no controlling terminal), stdin /dev/null, output appended to the log.
  const child = spawn('/bin/sh', ['-c', WRAPPER, 'whydied-launch', ...req.argv], { ...safeLaunchSpawn(logFd), env });
  fs.closeSync(logFd);
  const pid = child.pid;
  let waited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      waited = { code, signal };
      resolve();
    }),
  );
  child.on('error', () => undefined);
  if (!pid) {
    reportFailure(`could not start ${req.argv[0]}`);
    return 70;
  }
  let watching: ReturnType<typeof watch>;
  let identity: RecordIdentity | null = null;
  try {
    if (!(await until(() => procState(pid) === 'T', 5000)))
      throw new Error(`${req.argv[0]} did not reach its start point`);
    // watch() attaches its backend synchronously, before its first await: the pid is watched from here on.
    watching = watch([pid]);
    const before = readCmdlineText(pid);
    process.kill(pid, 'SIGCONT');
    // The identity worth recording is the command's, after exec (the wrapper's comm is `sh`).
    await until(() => readCmdlineText(pid) !== before || procState(pid) === null, 2000);
    identity = readIdentity(pid);
  } catch (e) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    reportFailure((e as Error).message);
    return 70;
  }
  if (identity) {
    try {
      writeLaunchEntry(stateDir(), { name: req.name, log: req.log, sentinel: process.pid }, identity);
    } catch {
      /* the registry only helps find it by name while alive; the watch and its record still work */
    }
  }
  reportReady({ pid, sentinel: process.pid, log: req.log });

  // Wrappers exec again after the first exec (a pyenv or rbenv shim is a bash script that execs the real
  // interpreter): keep the identity current so the record names what actually ran (same pid and start time).
  const refresh = setInterval(() => {
    const now = readIdentity(pid);
    if (!now || (identity && now.startTime !== identity.startTime)) return;
    if (identity && now.comm === identity.comm && now.argvHead.join('\0') === identity.argvHead.join('\0')) return;
    identity = now;
    try {
      writeLaunchEntry(stateDir(), { name: req.name, log: req.log, sentinel: process.pid }, now);
    } catch {
      /* see above */
    }
  }, REFRESH_MS);
  const [result] = await watching.finally(() => clearInterval(refresh));
  await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
  const w = waited as { code: number | null; signal: NodeJS.Signals | null } | null;
  const cause = result.death?.cause ?? (w ? waitCause(w.code, w.signal) : null);
  const id = identity ?? result.identity;
  if (!cause || !id) return 0;
  const death = deathOf(
    id,
    { ...cause, details: { ...(cause.details ?? {}), launchedAs: req.name, log: req.log } },
    result.endedAt ?? new Date().toISOString(),
  );
  const rec: LaunchRecord = { v: 1, ...death, launch: { name: req.name, log: req.log } };
  saveRecord(rec);
  return 0;
}
