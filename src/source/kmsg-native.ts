/**
 * The native /dev/kmsg reader (native/kmsg.c, built by `npm install` with node-gyp), when it was built.
 * Reading the ring buffer one record per fs.readSync costs ~3 us a record from JavaScript; the native
 * loop returns the same bytes in one call. Without it (no compiler at install, WHYDIED_NATIVE=0) the
 * JavaScript reader does the same job.
 */
import * as fs from 'fs';
import * as path from 'path';

interface NativeKmsg {
  /** Every record as read() gave it, each ending in a newline; throws an Error with `code` (EPERM...). */
  readKmsg(maxBytes: number): Buffer;
}

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
