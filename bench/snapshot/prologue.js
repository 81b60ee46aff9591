// The V8 startup snapshot's entry (bench/snapshot/build.js wraps the esbuild bundle of entry.ts in this;
// `node --build-snapshot` runs it). The bundle is CommonJS: it sees `require`, `module`, `__filename`
// and `__dirname` as variables of this scope, read when used, so a start can point them at the installed
// package (snapshot builds may only require Node's builtins; the place the blob sits is known at start).
'use strict';
const v8 = require('v8');
const path = require('path');
const BUILT_IN = require;
(function () {
  let __dirname = __WHYDIED_DIST__;
  let __filename = path.join(__dirname, 'whydied.bundle.js');
  let require = BUILT_IN;
  const module = { exports: {} };
  const exports = module.exports;
  // ---- bundle ----
  __WHYDIED_BUNDLE__;
  // ---- end of bundle ----
  const cli = module.exports;
  const WARM = __WHYDIED_WARM__;
  // Warmed after the event loop has run the replays (build-snapshot drains it before serialising).
  cli.warm(WARM).catch((e) => {
    console.error(`snapshot: warm-up failed: ${e && e.stack ? e.stack : e}`);
    process.exitCode = 1;
  });
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // bench/snapshot.js times the start alone (deserialising the heap) with this.
    if (process.argv[1] === '--noop') return;
    const Module = BUILT_IN('module');
    const fs = BUILT_IN('fs');
    let sea = null;
    try {
      const s = BUILT_IN('node:sea');
      if (s.isSea()) sea = s;
    } catch {
      /* not a single executable */
    }
    let args;
    if (sea) {
      // The single executable: argv is [exe, exe, ...args] (node inserts the executable as the script).
      args = process.argv.slice(2);
      __filename = process.execPath;
      __dirname = path.dirname(process.execPath);
      Object.defineProperty(globalThis, Symbol.for('whydied.sea'), { value: true });
    } else {
      // Run as `node --snapshot-blob BLOB -- LOADER ARGS`: the loader's path (dist/whydied.js) stands where
      // a script's would, so argv is what `node LOADER ARGS` gives, and re-spawns (selfCommand) run it.
      const loader = process.argv[1] ?? '';
      if (path.basename(loader) !== 'whydied.js' || !fs.existsSync(loader)) {
        process.stderr.write('whydied: run the snapshot as node --snapshot-blob BLOB -- dist/whydied.js ARGS\n');
        process.exit(2);
      }
      __dirname = path.dirname(path.resolve(loader));
      __filename = path.join(__dirname, 'whydied.bundle.js');
      args = process.argv.slice(2);
    }
    require = Module.createRequire(__filename);
    Object.defineProperty(globalThis, Symbol.for('whydied.import'), { value: (s) => import(s) });
    cli.start(args);
  });
})();
