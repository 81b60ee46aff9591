/**
 * tracefs: find or mount it, and manage private tracing instances (`instances/whydied-<ownerpid>-<rand>`).
 *
 * A private instance has its own ring buffer, event enables and filters, so whydied never disturbs other
 * tracers on the machine (or another whydied). Every instance created here is registered and removed on
 * every exit path by `src/source/trace/cleanup.ts`; instances of dead owners are removed by
 * `removeStaleInstances()` at start.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { randomHex } from '../random-hex';
import { registerInstance, unregisterInstance } from './registry';
import { RawReader, RawReaderOptions, openRawReader } from './raw-reader';
import { readRingLayout } from './format';

const CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

class TracefsError extends Error {}

function isTracefs(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'instances')) && fs.existsSync(path.join(dir, 'events'));
}

/** The tracefs root; mounts it at /sys/kernel/tracing when nothing is mounted (root only). */
export function ensureTracefs(): string {
  for (const dir of CANDIDATES) if (isTracefs(dir)) return dir;
  const target = CANDIDATES[0];
  const res = spawnSync('mount', ['-t', 'tracefs', 'nodev', target], { encoding: 'utf8', timeout: 5000 });
  if (res.status === 0 && isTracefs(target)) return target;
  throw new TracefsError(
    `tracefs is not mounted and mounting it at ${target} failed: ${(res.stderr || res.error?.message || '').trim()}`,
  );
}

/**
 * Instance names whydied uses: `<prefix>-<owner pid>-<random hex>` for an owner in the initial PID namespace,
 * `<prefix>-<owner pid>-n<pid namespace inode>-<random hex>` for one in another (a recorder in a container of
 * its own): its pid means another process, or none, to every whydied outside that namespace, so only a
 * sweeper in the same namespace may judge it stale.
 */
const NAME = /^whydied(?:-[a-z]+)?-(\d+)-(?:n(\d+)-)?[0-9a-f]+$/;

/** The inode of the PID namespace this process sees pids in (`pid:[4026531836]`); null when unreadable. */
function ownPidNamespace(): number | null {
  try {
    const m = /^pid:\[(\d+)\]$/.exec(fs.readlinkSync('/proc/self/ns/pid'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The initial PID namespace's inode (PROC_PID_INIT_INO in include/linux/proc_ns.h). */
const INIT_PID_NS = 0xeffffffc;

function ownerOfInstance(name: string, ownNs: number | null): number | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const ns = m[2] === undefined ? INIT_PID_NS : Number(m[2]);
  // Another namespace's pid cannot be checked from here: leave its instance to a sweeper inside it.
  if (ns !== (ownNs ?? INIT_PID_NS)) return null;
  return +m[1];
}

function instanceTag(): string {
  const ns = ownPidNamespace();
  return ns === null || ns === INIT_PID_NS ? '' : `n${ns}-`;
}

/**
 * Could `pid` still own (and so still remove) its instance? kill(pid, 0) is not enough: it reaches a zombie,
 * and a SIGKILLed watcher its parent has not reaped yet would keep its instance and its kernel buffer (8 MB
 * per CPU for the recorder) until then. A zombie or dead task (state Z/X) runs no code; a pid that now runs
 * something other than node/whydied was reused. Unreadable /proc entries count as alive: removing a live
 * watcher's instance is worse than keeping a dead one's.
 */
export function ownerAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  // The state letter follows the last ')' (comm may contain anything, parentheses included).
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  return isWhydiedCommand(cmdline.split('\0').slice(0, 2));
}

/** node running whydied (any script: tests drive it through helper scripts), or a whydied executable. */
function isWhydiedCommand(argvHead: string[]): boolean {
  const self = path.basename(process.execPath);
  return argvHead.some((a) => {
    const base = path.basename(a);
    return base === self || /node|whydied/.test(base);
  });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function writeQuiet(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch {
    /* best effort during teardown */
  }
}

/**
 * Disable everything in an instance and rmdir it, retrying while a reader still holds trace_pipe (EBUSY).
 * Synchronous on purpose: it runs from process 'exit' and signal handlers.
 */
function removeInstanceDir(dir: string, timeoutMs = 2000): boolean {
  if (!fs.existsSync(dir)) return true;
  writeQuiet(path.join(dir, 'tracing_on'), '0');
  // Writing an empty set_event disables every event of this instance in one go.
  writeQuiet(path.join(dir, 'set_event'), '');
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.rmdirSync(dir);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      if (Date.now() > end) return false;
      sleepSync(20);
    }
  }
}

/**
 * Remove instances left by whydied processes that are gone (a watcher killed with SIGKILL cannot clean up),
 * including zombies and reused pids (see ownerAlive). Instances of live owners, and instances not named by
 * whydied, are left alone. Returns the removed names.
 */
export function removeStaleInstances(root: string = ensureTracefs()): string[] {
  const dir = path.join(root, 'instances');
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  const ownNs = ownPidNamespace();
  for (const name of names) {
    const owner = ownerOfInstance(name, ownNs);
    if (owner === null || owner === process.pid || ownerAlive(owner)) continue;
    if (removeInstanceDir(path.join(dir, name))) removed.push(name);
  }
  return removed;
}

export interface TraceInstance {
  readonly name: string;
  readonly dir: string;
  /** Enable `group/event` (e.g. `signal/signal_generate`), with an optional in-kernel filter expression. */
  enable(event: string, filter?: string): void;
  /** Replace the filter of an already enabled event. */
  setFilter(event: string, filter: string): void;
  /** Start tracing into this instance's buffer. */
  start(): void;
  /**
   * Read the binary per-CPU buffers (raw-reader.ts) with the ring layout of this kernel: the form no
   * process can forge. (trace_pipe's text prints names raw, so a name holding newlines can spell events:
   * whydied never reads it.) One reader per instance.
   */
  openRaw<T>(opts: Omit<RawReaderOptions<T>, 'layout'>): RawReader;
  /** Disable events, stop the reader, rmdir. Idempotent. */
  remove(): boolean;
}

export function createInstance(prefix = 'whydied', root: string = ensureTracefs()): TraceInstance {
  const name = `${prefix}-${process.pid}-${instanceTag()}${randomHex(4)}`;
  const dir = path.join(root, 'instances', name);
  let pipe: { close(): void } | null = null;
  let removed = false;
  const inst: TraceInstance = {
    name,
    dir,
    enable(event, filter) {
      const evDir = path.join(dir, 'events', event);
      if (!fs.existsSync(evDir)) throw new TracefsError(`tracing event ${event} is not available on this kernel`);
      if (filter) inst.setFilter(event, filter);
      fs.writeFileSync(path.join(evDir, 'enable'), '1');
    },
    setFilter(event, filter) {
      try {
        fs.writeFileSync(path.join(dir, 'events', event, 'filter'), filter);
      } catch (e) {
        throw new TracefsError(`filter for ${event} rejected (${(e as Error).message}): ${filter}`);
      }
    },
    start() {
      fs.writeFileSync(path.join(dir, 'tracing_on'), '1');
    },
    openRaw(opts) {
      if (pipe) throw new TracefsError('a reader is already open for this instance');
      const r = openRawReader(dir, { ...opts, layout: readRingLayout(root, dir) });
      pipe = r;
      return r;
    },
    remove() {
      if (removed) return true;
      pipe?.close();
      const ok = removeInstanceDir(dir);
      if (ok) {
        removed = true;
        unregisterInstance(inst);
      }
      return ok;
    },
  };
  // Registered (exit-path handlers installed) before the directory exists, so no signal finds it unguarded.
  registerInstance(inst);
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    removed = true;
    unregisterInstance(inst);
    throw new TracefsError(`cannot create tracing instance ${dir}: ${(e as Error).message}`);
  }
  return inst;
}

/** Filter helpers: tracefs filters take no negative literals for unsigned syscall args. */
export function pidEquals(field: string, pids: readonly number[]): string {
  return pids.map((p) => `${field} == ${p}`).join(' || ');
}

/** A kill(2) target as the syscall tracepoint stores it: the 32-bit two's complement, zero-extended. */
export function syscallArgLiteral(n: number): number {
  return n >= 0 ? n : 2 ** 32 + n;
}
