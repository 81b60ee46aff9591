/**
 * A real memory cgroup with a hard limit, and memory hogs to fill it, so the kernel's OOM killer really runs
 * inside it. cgroup v1 (this host: hybrid, /sys/fs/cgroup/memory writable) and v2 (where the unified hierarchy
 * has the memory controller enabled for children). Names are unique per run; remove() moves survivors out to
 * the hierarchy's root before rmdir, and is registered for teardown on creation.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isAlive, isRoot, track, waitFor } from '../../helpers/processes';
import { onTeardown, uniqueName } from './teardown';

const V1_ROOT = '/sys/fs/cgroup/memory';
const V2_ROOT = '/sys/fs/cgroup';

export interface Memcg {
  path: string;
  version: 1 | 2;
  limitBytes: number;
  /** Move a process (all its threads) into the cgroup. */
  move(pid: number): void;
  /** Pids in the cgroup now. */
  procs(): number[];
  /** How many OOM kills the kernel has done in this cgroup. */
  oomKills(): number;
  /** Move survivors to the root, rmdir (retrying while killed tasks are reaped). Idempotent. */
  remove(): Promise<void>;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Which hierarchy can give us a memory cgroup here, or why none can. */
export function memcgSupport(): { version: 1 | 2; root: string } | { reason: string } {
  if (!isRoot()) return { reason: 'not root (creating cgroups needs root)' };
  if (fs.existsSync(path.join(V1_ROOT, 'memory.limit_in_bytes'))) return { version: 1, root: V1_ROOT };
  const controllers = readText(path.join(V2_ROOT, 'cgroup.controllers')).split(/\s+/);
  const delegated = readText(path.join(V2_ROOT, 'cgroup.subtree_control')).split(/\s+/);
  // Enabling +memory at the root would change the host for everyone: use v2 only where it is already on.
  if (controllers.includes('memory') && delegated.includes('memory')) return { version: 2, root: V2_ROOT };
  return { reason: 'no writable memory cgroup (v1 memory controller or v2 root with +memory in subtree_control)' };
}

export function memcgAvailable(): string | null {
  const s = memcgSupport();
  return 'reason' in s ? s.reason : null;
}

export function createMemcg(limitBytes: number): Memcg {
  const support = memcgSupport();
  if ('reason' in support) throw new Error(`cannot create a memory cgroup: ${support.reason}`);
  const { version, root } = support;
  const dir = path.join(root, uniqueName('whydied-reality'));
  fs.mkdirSync(dir);
  const procs = (): number[] =>
    readText(path.join(dir, 'cgroup.procs'))
      .split('\n')
      .filter(Boolean)
      .map((n) => parseInt(n, 10));
  let removed = false;
  const remove = onTeardown(`memory cgroup ${dir}`, async () => {
    if (removed) return;
    const gone = await waitFor(
      () => {
        for (const pid of procs()) {
          try {
            fs.writeFileSync(path.join(root, 'cgroup.procs'), String(pid));
          } catch {
            /* exited meanwhile (or a zombie: it leaves once reaped) */
          }
        }
        try {
          fs.rmdirSync(dir);
          return true;
        } catch {
          return !fs.existsSync(dir);
        }
      },
      10000,
      50,
    );
    if (!gone) throw new Error(`could not remove ${dir}: still holds ${procs().join(' ')}`);
    removed = true;
  });
  try {
    if (version === 1) {
      fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(limitBytes));
      // With swap accounting, forbid swap too, so the limit is what triggers the OOM killer.
      if (fs.existsSync(path.join(dir, 'memory.memsw.limit_in_bytes'))) {
        fs.writeFileSync(path.join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes));
      }
    } else {
      fs.writeFileSync(path.join(dir, 'memory.max'), String(limitBytes));
      if (fs.existsSync(path.join(dir, 'memory.swap.max'))) fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    }
  } catch (e) {
    void remove();
    throw e;
  }
  return {
    path: dir,
    version,
    limitBytes,
    move: (pid) => fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid)),
    procs,
    oomKills: () => {
      const file = version === 1 ? 'memory.oom_control' : 'memory.events';
      const m = /^oom_kill (\d+)$/m.exec(readText(path.join(dir, file)));
      return m ? parseInt(m[1], 10) : 0;
    },
    remove,
  };
}

export interface Hog {
  pid: number;
  mib: number;
  /** Resolves true once all the memory is touched and held, false if the hog died first (e.g. OOM-killed). */
  ready: Promise<boolean>;
}

const HOG_C = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* Allocate and touch N MiB (page by page, so it is resident and charged), say "ready", hold it. */
int main(int argc, char **argv) {
  long mib = argc > 1 ? atol(argv[1]) : 0;
  for (long i = 0; i < mib; i++) {
    char *p = malloc(1 << 20);
    if (!p) return 2;
    memset(p, 1, 1 << 20);
  }
  printf("ready\\n");
  fflush(stdout);
  for (;;) pause();
}
`;

let hogBinary: string | null | undefined;

/** A compiled hog (tiny RSS besides what it is asked for), or null to fall back to python3. */
function hogBin(): string | null {
  if (hogBinary !== undefined) return hogBinary;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-hog-'));
  onTeardown(`hog binary in ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'hog.c'), HOG_C);
  const bin = path.join(dir, 'whydied-hog');
  const r = spawnSync('cc', ['-O0', '-o', bin, path.join(dir, 'hog.c')], { encoding: 'utf8' });
  hogBinary = r.status === 0 ? bin : null;
  return hogBinary;
}

/** The comm of a hog process (whydied-hog when cc is available, else python3). */
export function hogComm(): string {
  return hogBin() ? 'whydied-hog' : 'python3';
}

/**
 * Start a process that allocates, touches and holds `mib` MiB. With `memcg` it joins the cgroup before
 * allocating (its shell writes $$ to cgroup.procs, then execs the hog: same pid), so every page is charged there.
 */
export function startHog(mib: number, opts: { memcg?: Memcg } = {}): Hog {
  const bin = hogBin();
  const cmd = bin
    ? `exec "$1" ${mib}`
    : `exec python3 -c 'import signal; b = b"\\x01" * (${mib} << 20); print("ready", flush=True); signal.pause()'`;
  const join = opts.memcg ? `echo $$ > ${JSON.stringify(path.join(opts.memcg.path, 'cgroup.procs'))} || exit 3; ` : '';
  const child = spawn('sh', ['-c', join + cmd, 'hog', bin ?? ''], { stdio: ['ignore', 'pipe', 'ignore'] });
  if (!child.pid) throw new Error('could not start a hog');
  const pid = track(child.pid);
  const ready = new Promise<boolean>((resolve) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) resolve(true);
    });
    child.on('exit', () => resolve(false));
  });
  return { pid, mib, ready };
}

/** Start a hog and wait until it holds its memory; throws if it died first. */
export async function startHeldHog(mib: number, opts: { memcg?: Memcg } = {}): Promise<Hog> {
  const hog = startHog(mib, opts);
  if (!(await hog.ready)) throw new Error(`hog of ${mib} MiB died before holding its memory`);
  if (!isAlive(hog.pid)) throw new Error(`hog ${hog.pid} is gone`);
  return hog;
}
