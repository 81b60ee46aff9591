/**
 * Real launchers, wrappers, supervisors and schedulers for the tools scenarios (test/reality/tools-*): each
 * started the way a user starts it, in a session of the test's own making, its pids tracked and its whole
 * session killed at teardown. Daemons with global state (atd, cron) are started only when none runs (a
 * running one is used, never stopped), and their job files are ours alone and removed.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanEnv } from '../../scenarios/helpers';
import { allPids, isAlive, procStat, track, waitFor, waitGone } from '../../helpers/processes';
import { pidsWithArgv } from '../predict';
import { onTeardown } from './teardown';

/** null when `tool` is on PATH, else why the scenario is skipped. */
export function missingTool(...tools: string[]): string | null {
  for (const t of tools) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed (.ci/run installs it)`;
  }
  return null;
}

/** Kill every live process of a session (ours: made by setsid for this scenario) and wait for them. */
export async function killSession(sid: number): Promise<void> {
  const members = (): number[] => allPids().filter((p) => p !== process.pid && procStat(p)?.sid === sid && isAlive(p));
  for (const p of members()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await waitGone(members(), 5000);
}

/** Kill these pids (tracked ones that may have left our session) and wait. */
export async function killPids(pids: readonly number[]): Promise<void> {
  for (const p of pids.filter(isAlive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await waitGone([...pids], 5000);
}

export interface Launched {
  /** The process that ran `argv` first (setsid's child: the tool itself, or a shell running it). */
  rootPid: number;
  /** The workload (found by its exact argv). */
  pid: number;
  /** Its parent when found (the wrapper, supervisor, keeper). */
  parentPid: number;
  /** Kill everything this launch made: its session, the workload, the parent. */
  stop(): Promise<void>;
}

/**
 * `setsid ARGV...` with stdio on /dev/null (a fresh session, as a service manager or a detached shell would
 * start it), then wait for the workload whose argv is exactly `workload` to appear.
 */
export async function launch(
  argv: readonly string[],
  workload: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Launched> {
  const child = spawn('setsid', [...argv], {
    stdio: 'ignore',
    env: cleanEnv(opts.env ?? {}),
    cwd: opts.cwd ?? os.tmpdir(),
  });
  if (!child.pid) throw new Error(`could not start ${argv.join(' ')}`);
  const rootPid = track(child.pid);
  let pid = 0;
  const stop = onTeardown(`launch ${argv.join(' ')}`, async () => {
    const parent = pid > 0 ? (procStat(pid)?.ppid ?? 0) : 0;
    await killSession(rootPid);
    await killPids([rootPid, pid, parent].filter((p) => p > 1));
  });
  const found = await waitFor(() => {
    const list = pidsWithArgv(workload);
    pid = list.length === 1 ? list[0] : 0;
    return pid > 0 && procStat(pid)?.comm === path.basename(workload[0]).slice(0, 15);
  }, opts.timeoutMs ?? 15000);
  if (!found) {
    await stop();
    throw new Error(`${argv.join(' ')}: workload ${workload.join(' ')} never appeared`);
  }
  track(pid);
  const parentPid = procStat(pid)?.ppid ?? 0;
  if (parentPid > 1) track(parentPid);
  return { rootPid, pid, parentPid, stop };
}

/** A private temp dir removed at teardown. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `whydied-${prefix}-`));
  onTeardown(`dir ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A supervision service directory with a `run` script that execs `workload`. */
export function serviceDir(workload: readonly string[]): string {
  const dir = tempDir('svc');
  const svc = path.join(dir, 'svc');
  fs.mkdirSync(svc);
  fs.writeFileSync(path.join(svc, 'run'), `#!/bin/sh\nexec ${workload.join(' ')}\n`, { mode: 0o755 });
  return svc;
}

/** Send `sig` and report whether the process was alive when sent (false: nothing to stop). */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** The pid of a running daemon by its exact comm, when exactly one runs. */
export function daemonPid(comm: string): number | null {
  // Only a daemon that reads this machine's files: a container's cron (the booted systemd of the systemd
  // project, running at the same time) is visible here but reads its own /etc/cron.d.
  const list = allPids().filter((p) => procStat(p)?.comm === comm && isAlive(p) && sameMountNamespace(p));
  return list.length === 1 ? list[0] : null;
}

function sameMountNamespace(pid: number): boolean {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/mnt`) === fs.readlinkSync('/proc/self/ns/mnt');
  } catch {
    return false;
  }
}

/**
 * atd for at jobs: ours (`atd -f` in a session of ours) when none runs, else the one running (a
 * distribution's atd.service runs the same `atd -f`); `ours` says whether the scenario may stop it.
 */
export async function startAtd(): Promise<{ pid: number; ours: boolean } | string> {
  if (missingTool('atd', 'at')) return 'at is not installed';
  const running = daemonPid('atd');
  if (running) return { pid: running, ours: false };
  const child = spawn('setsid', ['atd', '-f'], { stdio: 'ignore', env: cleanEnv() });
  if (!child.pid) return 'could not start atd';
  const root = track(child.pid);
  onTeardown(`atd ${root}`, async () => {
    await killPids([root]);
  });
  if (!(await waitFor(() => procStat(root)?.comm === 'atd', 5000))) return 'atd did not start';
  return { pid: root, ours: true };
}

/**
 * cron with a job file of ours in /etc/cron.d (removed at teardown): our own `cron -f` when none runs,
 * else the running one (it rereads /etc/cron.d each minute). Jobs run at the next minute boundary (a
 * scenario waits up to ~70 s); `ours` says whether the scenario may stop the daemon.
 */
export async function startCronJob(
  name: string,
  lines: readonly string[],
): Promise<{ pid: number; ours: boolean } | string> {
  if (missingTool('cron')) return 'cron is not installed';
  const file = path.join('/etc/cron.d', name.replace(/[^A-Za-z0-9_-]/g, '-'));
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o644 });
  onTeardown(`cron job ${file}`, () => fs.rmSync(file, { force: true }));
  const running = daemonPid('cron');
  if (running) return { pid: running, ours: false };
  const child = spawn('setsid', ['cron', '-f'], { stdio: 'ignore', env: cleanEnv() });
  if (!child.pid) return 'could not start cron';
  const root = track(child.pid);
  onTeardown(`cron ${root}`, async () => {
    await killPids([root]);
  });
  if (!(await waitFor(() => procStat(root)?.comm === 'cron', 5000))) return 'cron did not start';
  return { pid: root, ours: true };
}
