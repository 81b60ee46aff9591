#!/usr/bin/env node
/**
 * whydied's bin (copied to dist/whydied.js by scripts/bundle.js, which fills in META). Two jobs:
 *
 *  1. `--version`, and `--help` to a pipe, need nothing from the bundle: answered from texts the build
 *     took from the real yargs parser (the bundle's fast path answers `--help` on a terminal).
 *  2. Everything else runs the esbuild bundle (dist/whydied.bundle.js) as a CommonJS module compiled
 *     with a V8 code cache (dist/whydied.bundle.cache): without it, compiling the functions a diagnosis
 *     calls costs ~30 ms of a ~60 ms run. The build writes the cache after a warm-up run. When the cache
 *     is missing or V8 rejects it (another node version, other V8 flags), it is rewritten after this run,
 *     but only by the owner of this directory when nobody else can write it: no other user's file ever
 *     becomes code that root runs. (Node >= 22.1 has module.enableCompileCache for require()d files;
 *     this works on Node 20 too, and on newer versions the same way.)
 */
'use strict';
const fs = require('fs');
const path = require('path');

const META = /*__WHYDIED_CLI__*/ null;

/**
 * The single executable (scripts/build-sea.js injects this loader as its main script, with the bundle and
 * its warm code cache as assets): node:sea answers, and the bundle and cache come from the executable
 * itself. Otherwise (node dist/whydied.js) null.
 */
function singleExecutable() {
  try {
    const sea = require('node:sea');
    return sea.isSea() ? sea : null;
  } catch {
    return null; // node:sea exists since Node 20.0; a plain `node` run is never one
  }
}

/** The text for a command line answered without the bundle, or null. */
function quickAnswer(args) {
  if (!META || args.length !== 1) return null;
  if (args[0] === '--version') return `${META.version}\n`;
  // A pipe gets 80 columns unless COLUMNS says otherwise (then the bundle wraps: src/cli/help-wrap.ts).
  if ((args[0] === '--help' || args[0] === '-h') && !process.env.COLUMNS && !mayBeTerminal(1)) return META.help['80'];
  return null;
}

/** A character device other than /dev/null and friends (major 1); the tty module would load net (~3 ms). */
function mayBeTerminal(fd) {
  try {
    const st = fs.fstatSync(fd);
    return st.isCharacterDevice() && (st.rdev & 0xfff00) >> 8 !== 1 && require('tty').isatty(fd);
  } catch {
    return false;
  }
}

function write(text) {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += fs.writeSync(1, buf, off);
  } catch (e) {
    // A non-blocking full pipe: the stream waits for the reader. A reader that went away hears nothing more.
    if (e.code === 'EAGAIN') process.stdout.write(buf.subarray(off));
  }
}

function readCache(cacheFile) {
  try {
    return fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

function saveCache(script, cacheFile) {
  try {
    const st = fs.statSync(__dirname);
    if (typeof process.geteuid !== 'function' || st.uid !== process.geteuid() || (st.mode & 0o022) !== 0) return;
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o644, flag: 'wx' });
    fs.renameSync(tmp, cacheFile);
  } catch {
    /* a cache is an optimisation, never a reason to fail */
  }
}

function runBundle(sea) {
  const vm = require('vm');
  const Module = require('module');
  // In the executable, `file` names no file: it is the name stack traces and plugins' require() start from.
  const file = sea ? process.execPath : path.join(__dirname, 'whydied.bundle.js');
  const cacheFile = path.join(__dirname, 'whydied.bundle.cache');
  const code = sea ? sea.getAsset('bundle.js', 'utf8') : fs.readFileSync(file, 'utf8');
  const cachedData = sea ? Buffer.from(sea.getRawAsset('bundle.cache')) : readCache(cacheFile);
  const script = new vm.Script(Module.wrap(code), { filename: file, cachedData });
  // Saved after the run, so the functions compiled lazily while it ran are in the cache too. The executable's
  // cache was made by the build from this same node, so it is not rejected; nothing is written beside it.
  if (!sea && (cachedData === undefined || script.cachedDataRejected))
    process.once('exit', () => saveCache(script, cacheFile));
  // import() for `--check` plugins that only import() can load (ES modules with top-level await): code
  // inside the vm.Script cannot import() itself (src/engine/plugins.ts).
  Object.defineProperty(globalThis, Symbol.for('whydied.import'), { value: (s) => import(s) });
  // src/util/sea.ts: re-spawns and the printed unit run the executable itself, not node + a script.
  if (sea) Object.defineProperty(globalThis, Symbol.for('whydied.sea'), { value: true });
  const mod = new Module(file, module);
  mod.filename = file;
  const dir = sea ? path.dirname(process.execPath) : __dirname;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dir);
}

const answer = quickAnswer(process.argv.slice(2));
if (answer !== null) write(answer);
else runBundle(singleExecutable());
