/**
 * The native /dev/kmsg reader (native/kmsg.c, built by `npm install` with node-gyp), when it was built.
 * Reading the ring buffer one record per fs.readSync costs ~3 us a record from JavaScript; the native
 * loop returns the same bytes in one call. Without it (no compiler at install, WHYDIED_NATIVE=0) the
 * JavaScript reader does the same job.
 */
import * as fs from 'fs';
import * as path from 'path';

interface NativeKmsg {
  /**
   * Every record as read() gave it, each ending in a newline; throws an Error with `code` (EPERM...).
   * When startKmsg ran first, the records that read collected.
   */
  readKmsg(maxBytes: number): Buffer;
  /** Begin that read on a thread of its own (false when no thread could start). */
  startKmsg?(maxBytes: number): boolean;
}

/** The ring buffer is bounded, but never trust a device to end: stop after this much. */
export const KMSG_TOTAL_MAX = 64 * 1024 * 1024;

const FILE = path.join('build', 'Release', 'whydied_native.node');
let loaded: NativeKmsg | null | undefined;

/** The package root holds build/: dist/ (the bundle), dist/src/source (tsc) or src/source (ts-jest). */
function findBinary(): string | null {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const file = path.join(dir, FILE);
    if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return file;
    dir = path.dirname(dir);
  }
  return null;
}

export function nativeKmsg(): NativeKmsg | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.WHYDIED_NATIVE === '0') return null;
  const file = findBinary();
  if (file === null) return null;
  try {
    const mod = require(file) as Partial<NativeKmsg>;
    if (typeof mod.readKmsg === 'function') loaded = mod as NativeKmsg;
  } catch {
    // Built for another Node ABI or platform: the JavaScript reader does the same job.
  }
  return loaded;
}

/**
 * Start reading the ring buffer now, on the second core, so the kernel-log check finds it read: the
 * ~2 ms the kernel spends formatting a few thousand records then overlaps the /proc reads of the checks
 * before it. A no-op without the native helper.
 */
export function readKmsgAhead(): void {
  nativeKmsg()?.startKmsg?.(KMSG_TOTAL_MAX);
}
