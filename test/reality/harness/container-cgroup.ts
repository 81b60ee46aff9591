/**
 * A process in a container-runtime-style cgroup (docker's `/docker/<64 hex>`, kubernetes'
 * `/kubepods/besteffort/pod<uid>/<64 hex>`), in the host PID namespace, and a "container stop" done the way
 * runtimes do it: SIGTERM to the main process, a grace period, then SIGKILL to everything left in the cgroup
 * (cgroup.kill on cgroup v2, as crun/systemd use; a kill loop over cgroup.procs elsewhere; runc kills every
 * process in the cgroup when the container's init is not a PID namespace's pid 1).
 * The runtime-looking path sits under a parent unique to this run (`whydied-reality-<pid>-<hex>/docker/<id>`),
 * so a real docker's tree is never touched.
 */
import { spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { isAlive, isRoot, procStat, track, waitFor, waitGone } from '../../helpers/processes';
import { cleanEnv } from '../../scenarios/helpers';
import { onTeardown, uniqueName } from './teardown';

export type ContainerStyle = 'docker' | 'kubepods';

export interface CgroupContainer {
  /** The container's main process (host pid). */
  pid: number;
  /** The 64-hex container id in the path. */
  id: string;
  /** The cgroup directory holding the container's processes. */
  path: string;
  /** The path as /proc/PID/cgroup shows it (relative to the hierarchy's root). */
  cgroupPath: string;
  members(): number[];
  /** Stop the container: SIGTERM to the main process, `graceMs`, SIGKILL to the whole cgroup. Returns the members it found. */
  stop(opts?: { graceMs?: number }): Promise<number[]>;
}

interface Hierarchy {
  root: string;
  v2: boolean;
}

/** A writable hierarchy to create the cgroup in: the unified (v2) one when mounted, else v1 pids. */
function hierarchy(): Hierarchy | null {
  const mounts = fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '));
  const v2 = mounts.find((m) => m[2] === 'cgroup2');
  if (v2) return { root: v2[1], v2: true };
  const pids = mounts.find((m) => m[2] === 'cgroup' && (m[3] ?? '').split(',').includes('pids'));
  return pids ? { root: pids[1], v2: false } : null;
}

export function containerCgroupAvailable(): string | null {
  if (!isRoot()) return 'not root (creating cgroups needs root)';
  return hierarchy() ? null : 'no cgroup2 mount and no v1 pids hierarchy';
}

function readProcs(dir: string): number[] {
  try {
    return fs
      .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((n) => parseInt(n, 10));
  } catch {
    return [];
  }
}

/** Start `command` (a shell command line) as the main process of a container-style cgroup. */
export async function startCgroupContainer(
  command: string,
  opts: { style?: ContainerStyle; env?: Record<string, string>; comm?: string } = {},
): Promise<CgroupContainer> {
  const h = hierarchy();
  if (!h || !isRoot()) throw new Error(`cannot make a container cgroup: ${containerCgroupAvailable()}`);
  const id = randomBytes(32).toString('hex');
  const base = path.join(h.root, uniqueName('whydied-reality'));
  const rel =
    (opts.style ?? 'docker') === 'docker'
      ? path.join('docker', id)
      : path.join('kubepods', 'besteffort', `pod${randomUUID()}`, id);
  const dir = path.join(base, rel);
  fs.mkdirSync(dir, { recursive: true });
  let stopped: number[] | null = null;
  const members = (): number[] => readProcs(dir).filter(isAlive);
  const killAll = async (): Promise<void> => {
    const ok = await waitFor(
      () => {
        if (h.v2 && fs.existsSync(path.join(dir, 'cgroup.kill'))) {
          fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
        } else {
          for (const p of readProcs(dir)) {
            try {
              process.kill(p, 'SIGKILL');
            } catch {
              /* gone */
            }
          }
        }
        return members().length === 0;
      },
      5000,
      50,
    );
    if (!ok) throw new Error(`container cgroup ${dir} still has ${members().join(' ')}`);
  };
  const removeTree = async (): Promise<void> => {
    // Deepest first; a killed task leaves the cgroup only once reaped, so retry briefly.
    const dirs: string[] = [];
    for (let d = dir; d.startsWith(base); d = path.dirname(d)) dirs.push(d);
    const ok = await waitFor(
      () => {
        for (const d of dirs) {
          try {
            fs.rmdirSync(d);
          } catch {
            /* not empty yet, or gone */
          }
        }
        return !fs.existsSync(base);
      },
      5000,
      50,
    );
    if (!ok) throw new Error(`could not remove ${base}`);
  };
  let mainPid = 0;
  const stop = async (o: { graceMs?: number } = {}): Promise<number[]> => {
    if (stopped) return stopped;
    const seen = members();
    if (mainPid > 0 && isAlive(mainPid)) {
      try {
        process.kill(mainPid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await waitGone(mainPid, o.graceMs ?? 1000);
    }
    await killAll();
    await removeTree();
    stopped = seen;
    return seen;
  };
  const undo = onTeardown(`container cgroup ${dir}`, async () => void (await stop({ graceMs: 0 })));
  try {
    // The shell joins the cgroup, then execs the command: the main process keeps the pid and the cgroup.
    const child = spawn(
      'sh',
      ['-c', `echo $$ > "$1" || exit 3; exec ${command}`, 'container', path.join(dir, 'cgroup.procs')],
      {
        stdio: 'ignore',
        detached: true,
        env: cleanEnv(opts.env ?? {}),
      },
    );
    child.unref();
    if (!child.pid) throw new Error('could not start the container process');
    mainPid = track(child.pid);
    const ok = await waitFor(() => {
      const c = procStat(mainPid)?.comm;
      return readProcs(dir).includes(mainPid) && c !== undefined && (opts.comm ? c === opts.comm : c !== 'sh');
    }, 5000);
    if (!ok) throw new Error(`the container process did not start: ${command}`);
    return { pid: mainPid, id, path: dir, cgroupPath: dir.slice(h.root.length), members, stop };
  } catch (e) {
    await undo();
    throw e;
  }
}
