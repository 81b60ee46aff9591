#!/usr/bin/env node
/**
 * Builds whydied as ONE executable file (Node's single executable applications, node >= 20.6 with
 * node:sea assets since 20.12): dist/sea/whydied, a copy of this node with a blob injected (postject, the
 * tool node's documentation names) holding
 *  - main: the loader (dist/whydied.js, the same file the npm bin runs), which finds itself inside the
 *    executable (node:sea) and takes the bundle from the assets;
 *  - assets: the esbuild bundle (dist/whydied.bundle.js) and its warm V8 code cache (dist/whydied.bundle.cache,
 *    written by `npm run build` after a real diagnosis): no function a diagnosis runs is compiled at start.
 *    (SEA's own "useCodeCache" caches only what compiling the main script compiles eagerly; a V8 startup
 *    snapshot of the warmed CLI, what "useSnapshot" would embed, starts no faster than this loader:
 *    bench/snapshot.js, BENCHMARKS.md "A V8 startup snapshot".)
 * The native helper (build/Release/whydied_native.node, when `npm install` built it) is copied beside it:
 * optional, loaded only from beside the executable (src/source/native-helper.ts).
 *
 *   npm run build && node scripts/build-sea.js        (or: npm run build:sea)
 * Environment: WHYDIED_SEA_NODE, the node binary to copy (default this node: the bundle's cache must come
 * from the same V8).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const out = path.join(dist, 'sea');
// The fuse postject flips so node looks for the blob (node's doc, "Single executable applications").
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.error || r.status !== 0) {
    process.stderr.write(r.stdout || '');
    process.stderr.write(r.stderr || '');
    throw new Error(`${cmd} ${args.join(' ')}: ${r.error ? r.error.message : `exit ${r.status}`}`);
  }
  return r.stdout;
}

function main() {
  const node = process.env.WHYDIED_SEA_NODE || process.execPath;
  if (node !== process.execPath) throw new Error('WHYDIED_SEA_NODE must be the node running this script');
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 12)) throw new Error(`node ${process.version}: SEA assets need >= 20.12`);
  for (const f of ['whydied.js', 'whydied.bundle.js', 'whydied.bundle.cache'])
    if (!fs.existsSync(path.join(dist, f))) throw new Error(`dist/${f} missing: run npm run build first`);
  if (!fs.readFileSync(node).includes(FUSE)) throw new Error(`${node} has no SEA fuse: it cannot become one`);

  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const blob = path.join(out, 'whydied.blob');
  const config = path.join(out, 'sea-config.json');
  fs.writeFileSync(
    config,
    JSON.stringify(
      {
        main: path.join(dist, 'whydied.js'),
        output: blob,
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        useCodeCache: false,
        assets: {
          'bundle.js': path.join(dist, 'whydied.bundle.js'),
          'bundle.cache': path.join(dist, 'whydied.bundle.cache'),
        },
      },
      null,
      2,
    ),
  );
  run(node, ['--experimental-sea-config', config]);

  const exe = path.join(out, 'whydied');
  fs.copyFileSync(node, exe);
  fs.chmodSync(exe, 0o755);
  const postject = require.resolve('postject/dist/cli.js');
  run(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]);
  fs.rmSync(blob);
  fs.rmSync(config);

  const helper = path.join(root, 'build', 'Release', 'whydied_native.node');
  if (fs.existsSync(helper)) fs.copyFileSync(helper, path.join(out, 'whydied_native.node'));

  // The executable runs without node beside it: a smoke test of the copy.
  const version = run(exe, ['--version'], { env: { PATH: '/usr/bin:/bin' } }).trim();
  const expected = require(path.join(root, 'package.json')).version;
  if (version !== expected) throw new Error(`dist/sea/whydied --version printed ${version}, not ${expected}`);
  const size = (fs.statSync(exe).size / 1048576).toFixed(1);
  console.log(
    `dist/sea/whydied: whydied ${version}, ${size} MiB${fs.existsSync(helper) ? ' (+ whydied_native.node)' : ''}`,
  );
}

try {
  main();
} catch (e) {
  console.error(`build-sea: ${e.message}`);
  process.exit(1);
}
