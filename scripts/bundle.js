#!/usr/bin/env node
/**
 * Builds what the `bin` runs (after tsc, from `npm run build`, so `npm install` builds it):
 *  - dist/whydied.bundle.js: src/cli/main.ts and everything it loads in one esbuild bundle, so a run
 *    reads one file instead of resolving ~90 (hundreds of stat calls), with the fast path's
 *    command names, --help texts and version taken from the real yargs parser (dist/src/cli/run.js);
 *  - dist/whydied.js: the loader (scripts/whydied-loader.js), which runs the bundle with a V8 code cache;
 *  - dist/whydied.bundle.cache: that cache, written by one warm-up diagnosis of this build's own process.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const version = require(path.join(root, 'package.json')).version;

/**
 * `import * as fs from 'fs'` bundles as `__toESM(require("fs"))`: a fresh object with a getter for each of
 * the module's ~100 properties, made again for every module that imports it (~46 in this bundle, ~1.5 ms
 * of every start), and a getter call on every fs call after (10,000 processes: ~50,000 calls). whydied's
 * sources use Node's builtins only by property (never `.default`), so the module object itself serves.
 */
function unwrapBuiltins(code) {
  const builtins = new Set(require('module').builtinModules);
  let unwrapped = 0;
  const out = code.replace(/__toESM\(require\("([a-z_:/]+)"\)\)/g, (all, name) => {
    if (!builtins.has(name.replace(/^node:/, ''))) return all;
    unwrapped++;
    return `require("${name}")`;
  });
  // esbuild's helper changed shape: fail the build rather than ship the slow form unnoticed.
  if (unwrapped === 0) throw new Error('bundle: no __toESM(require("<builtin>")) found to unwrap');
  return out;
}

/** One esbuild bundle of `entry` (CommonJS, builtins unwrapped, minified unless WHYDIED_BUNDLE_READABLE=1). */
async function bundleOf(entry, meta) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Minified below, after the builtin imports are unwrapped (that needs esbuild's readable helper names).
    minify: false,
    write: false,
    outdir: dist,
    // Stack traces (--verbose) keep readable function names.
    keepNames: true,
    legalComments: 'none',
    define: { __WHYDIED_CLI__: JSON.stringify(meta) },
    logLevel: 'warning',
    // plugins.ts require()s user modules by path at run time: that require stays a require.
    logOverride: { 'unsupported-require-call': 'silent' },
  });
  if (result.errors.length > 0) process.exit(1);
  // The bundle is compiled inside the CommonJS wrapper, where main.ts's `#!` line is not valid syntax.
  const code = unwrapBuiltins(result.outputFiles[0].text.replace(/^#!.*\n/, ''));
  // WHYDIED_BUNDLE_READABLE=1 keeps it unminified, with a `// src/...` line before each module: for profiles.
  if (process.env.WHYDIED_BUNDLE_READABLE === '1') return code;
  return (await esbuild.transform(code, { minify: true, target: 'node20', format: 'cjs', legalComments: 'none' })).code;
}

async function main() {
  const meta = await require(path.join(dist, 'src', 'cli', 'run.js')).cliMeta(version);
  const bundle = path.join(dist, 'whydied.bundle.js');
  const out = await bundleOf(path.join(root, 'src', 'cli', 'main.ts'), meta);
  fs.writeFileSync(bundle, out);
  fs.chmodSync(bundle, 0o644);

  const bin = path.join(dist, 'whydied.js');
  const loader = fs.readFileSync(path.join(__dirname, 'whydied-loader.js'), 'utf8');
  if (!loader.includes('/*__WHYDIED_CLI__*/ null')) throw new Error('whydied-loader.js: META placeholder missing');
  fs.writeFileSync(
    bin,
    loader.replace('/*__WHYDIED_CLI__*/ null', () => JSON.stringify(meta)),
  );
  fs.chmodSync(bin, 0o755);

  // Warm-up: a real table diagnosis of this process compiles what a diagnosis runs; the loader saves the cache.
  const cache = path.join(dist, 'whydied.bundle.cache');
  fs.rmSync(cache, { force: true });
  const env = { ...process.env, NO_COLOR: '1' };
  const warm = spawnSync(process.execPath, [bin, String(process.pid)], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 60000,
  });
  if (warm.error || !fs.existsSync(cache)) {
    console.warn(
      `bundle: no code cache written (${warm.error ? warm.error.message : (warm.stderr || '').trim() || `exit ${warm.status}`}); whydied runs without one`,
    );
  }
}

module.exports = { bundleOf };

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
