/**
 * The native helper (native/*.c, built by `npm install` with node-gyp), when it was built: the kernel
 * ring buffer in one call (from JavaScript each of its thousands of records is a read() of its own), and
 * bulk /proc reads split across the cores (at 10,000 processes a diagnosis reads 20,000-50,000 files).
 * Each returns what the JavaScript readers return. Without it (no compiler at install, or
 * WHYDIED_NATIVE=0) the JavaScript readers do the same job, slower.
 */
import * as path from 'path';
import { isSingleExecutable } from '../util/sea';

interface NativeHelper {
  /** Every record as read() gave it now, each ending in a newline; throws an Error with `code` (EPERM...). */
  readKmsg(maxBytes: number): Buffer;
  /** Begin that read on a thread of its own (false when no thread could start). */
  startKmsg?(maxBytes: number): boolean;
  /** The read startKmsg began (or one now when none runs). Only its starter may take it. */
  takeKmsg?(maxBytes: number): Buffer;
  /** Whether the read startKmsg began has finished (true when none runs). */
  kmsgAheadDone?(): boolean;
  /** Each file's whole text, or -errno. */
  readFiles?(paths: readonly string[]): Array<string | number>;
  /** Open sockets and pipes: per pid, itself or -errno; holders as (pid, fd, kind 0|1, inode) quads. */
  socketAndPipeFds?(pids: Int32Array): { pids: Float64Array; holders: Float64Array };
  /** Every listed process's (pid, ppid, pgrp, session, flags) from its stat, in pid order; unreadable ones left out. */
  statFields?(): Float64Array;
  /** Each pid's oom_score, NaN where unreadable or not an integer. */
  oomScores?(pids: Int32Array): Float64Array;
  /** statFields' five numbers and a sixth, 1 where the process answers to `name` (comm, argv[0], its basename). */
  namedFields?(name: string): Float64Array;
}

/** The ring buffer is bounded, but never trust a device to end: stop after this much. */
export const KMSG_TOTAL_MAX = 64 * 1024 * 1024;

const FILE = path.join('build', 'Release', 'whydied_native.node');
let loaded: NativeHelper | null | undefined;

/**
 * The package root, from where this code runs: dist/ (the bundle), dist/src/source (tsc) or src/source
 * (ts-jest). Only that root's build/ is tried: a directory above the package may be anyone's, and a
 * library found there would run as whoever runs whydied.
 */
function packageRoot(): string | null {
  const here = __dirname.split(path.sep);
  const tail = (...parts: string[]): boolean => here.slice(-parts.length).join('/') === parts.join('/');
  if (tail('dist', 'src', 'source')) return path.join(__dirname, '..', '..', '..');
  if (tail('dist')) return path.join(__dirname, '..');
  if (tail('src', 'source')) return path.join(__dirname, '..', '..');
  return null;
}

/**
 * The helper's file: in the package, under its root; for the single executable (scripts/build-sea.js),
 * beside it, or in ../lib/whydied/ (the Debian package's /usr/lib/whydied for /usr/bin/whydied): places
 * as trusted as the executable itself.
 */
function helperFiles(): string[] {
  if (isSingleExecutable()) {
    const dir = path.dirname(process.execPath);
    return [path.join(dir, 'whydied_native.node'), path.join(dir, '..', 'lib', 'whydied', 'whydied_native.node')];
  }
  const root = packageRoot();
  return root === null ? [] : [path.join(root, FILE)];
}

/** Loaded with process.dlopen, not require: no module resolution (a stat per candidate, ~0.3 ms first). */
export function nativeHelper(): NativeHelper | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.WHYDIED_NATIVE === '0') return null;
  const mod: { exports: Partial<NativeHelper> } = { exports: {} };
  for (const file of helperFiles()) {
    try {
      process.dlopen(mod, file);
      break;
    } catch {
      // Not built, or built for another Node ABI or platform: the JavaScript readers do the same job.
    }
  }
  if (typeof mod.exports.readKmsg === 'function') loaded = mod.exports as NativeHelper;
  return loaded;
}

/**
 * Start reading the ring buffer now, on the second core, so the kernel-log check finds it read: the
 * ~2 ms the kernel spends formatting a few thousand records then overlaps the /proc reads of the checks
 * before it. A no-op without the native helper.
 */
export function readKmsgAhead(): boolean {
  return nativeHelper()?.startKmsg?.(KMSG_TOTAL_MAX) === true;
}
