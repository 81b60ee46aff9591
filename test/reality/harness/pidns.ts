/**
 * A process in its own PID namespace, the way a container runs: `unshare --pid --fork --mount-proc` (root).
 * Stopping the "container" kills the namespace's pid 1; the kernel then SIGKILLs every other member, which is
 * the event whydied must predict for a process inside a container.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanEnv } from '../../scenarios/helpers';
import { allPids, descendantsOf, isAlive, isRoot, procStat, track, waitFor } from '../../helpers/processes';
import { onTeardown } from './teardown';

export interface PidNamespace {
  /** The `unshare` process on the host (parent of the namespace's init). */
  unsharePid: number;
  /** Host pid of the namespace's pid 1. */
  nsInitPid: number;
  /** Host pid of the workload (equal to nsInitPid with `asInit`). */
  pid: number;
  /** `pid:[inode]`, the namespace's identity as /proc/PID/ns/pid shows it. */
  ns: string;
  /** Host pids of every live process in the namespace. */
  members(): number[];
  /** Kill the namespace's init and wait until every member is gone; returns the members it saw. Idempotent. */
  stop(): Promise<number[]>;
}

export interface PidNamespaceOptions {
  /** Run the workload as the namespace's pid 1 (a container whose entrypoint is the app). Default: a shell is pid 1. */
  asInit?: boolean;
  /** The comm of the workload once it has exec'd (default: anything but the shell). */
  comm?: string;
  env?: Record<string, string>;
}

export function pidnsAvailable(): string | null {
  if (!isRoot()) return 'not root (unshare --pid needs CAP_SYS_ADMIN)';
  if (!fs.existsSync('/proc/self/ns/pid')) return 'the kernel has no PID namespaces';
  return null;
}

function nsOf(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/** The pid a process has inside its innermost namespace (last field of NSpid). */
function innerPid(pid: number): number | null {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('NSpid:'));
    const fields = line?.split(/\s+/).slice(1).filter(Boolean) ?? [];
    return fields.length ? parseInt(fields[fields.length - 1], 10) : null;
  } catch {
    return null;
  }
}

/** Run `workload` (a shell command line) in a new PID namespace. */
export async function startPidNamespace(workload: string, opts: PidNamespaceOptions = {}): Promise<PidNamespace> {
  const reason = pidnsAvailable();
  if (reason) throw new Error(`cannot make a PID namespace: ${reason}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-pidns-'));
  const pidFile = path.join(dir, 'workload.pid');
  // --kill-child: if the test process dies, unshare dies and the kernel kills the namespace's init with it.
  const init = opts.asInit
    ? ['sh', '-c', `echo 1 > "$1"; exec ${workload}`, 'init', pidFile]
    : ['sh', '-c', `${workload} &\necho $! > "$1"; wait`, 'init', pidFile];
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', ...init], {
    stdio: 'ignore',
    env: cleanEnv(opts.env ?? {}),
  });
  if (!child.pid) throw new Error('could not start unshare');
  const unsharePid = track(child.pid);
  let ns = '';
  let nsInitPid = 0;
  let stopped: number[] | null = null;
  const members = (): number[] => (ns ? allPids().filter((p) => isAlive(p) && nsOf(p) === ns) : []);
  const stop = async (): Promise<number[]> => {
    if (stopped) return stopped;
    const seen = members();
    for (const p of [nsInitPid, unsharePid]) {
      try {
        if (p > 0) process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (!(await waitFor(() => members().length === 0 && !isAlive(unsharePid), 5000))) {
      throw new Error(`PID namespace ${ns} still has members: ${members().join(' ')}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    stopped = seen;
    return seen;
  };
  const undo = onTeardown(`PID namespace of unshare ${unsharePid}`, async () => void (await stop()));
  try {
    const hostNs = nsOf(process.pid);
    // unshare forks the namespace's init; it is the child whose pid namespace differs from ours.
    if (
      !(await waitFor(() => {
        nsInitPid = descendantsOf(unsharePid).find((p) => nsOf(p) !== null && nsOf(p) !== hostNs) ?? 0;
        return nsInitPid > 0 && innerPid(nsInitPid) === 1;
      }, 5000))
    )
      throw new Error('unshare started no namespace init');
    ns = nsOf(nsInitPid) ?? '';
    track(nsInitPid);
    let inner = 0;
    if (
      !(await waitFor(() => {
        inner = parseInt(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : '', 10) || 0;
        return inner > 0;
      }, 5000))
    )
      throw new Error('the namespace init reported no workload pid');
    let pid = 0;
    const ok = await waitFor(() => {
      pid = inner === 1 ? nsInitPid : (descendantsOf(nsInitPid).find((p) => innerPid(p) === inner) ?? 0);
      const c = pid ? procStat(pid)?.comm : undefined;
      return c !== undefined && (opts.comm ? c === opts.comm : c !== 'sh');
    }, 5000);
    if (!ok) throw new Error(`the workload (namespace pid ${inner}) did not start: ${workload}`);
    track(pid);
    return { unsharePid, nsInitPid, pid, ns, members, stop };
  } catch (e) {
    await undo();
    throw e;
  }
}
