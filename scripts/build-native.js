#!/usr/bin/env node
/**
 * `npm install` builds whydied's one native helper (native/kmsg.c: the kernel ring buffer in one call,
 * ~5 ms faster per diagnosis than reading /dev/kmsg a record at a time from JavaScript) with the node-gyp
 * that npm carries. It is an optimisation only: without a compiler or Node's headers the build fails, this
 * says so in one line, and whydied reads /dev/kmsg from JavaScript instead. The install never fails on it.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');

function nodeGyp() {
  // npm puts its node-gyp here for lifecycle scripts; outside npm, look beside the npm that came with node.
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

function main() {
  if (process.platform !== 'linux') return;
  if (process.env.WHYDIED_NATIVE === '0') {
    console.log('whydied: WHYDIED_NATIVE=0, native kmsg reader not built');
    return;
  }
  const gyp = nodeGyp();
  if (!gyp) {
    console.log('whydied: node-gyp not found; the kernel log is read from JavaScript (slower, same result)');
    return;
  }
  // Build against the headers installed with this node when there are any (Debian's nodejs, the official
  // tarballs), so node-gyp never needs the network; npm passes its own `nodedir` setting through the env.
  const prefix = path.join(path.dirname(process.execPath), '..');
  const local = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'));
  const args = [gyp, 'rebuild', ...(process.env.npm_config_nodedir || !local ? [] : [`--nodedir=${prefix}`])];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 180000 });
  if (r.status === 0) return;
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
  console.log(
    `whydied: native kmsg reader not built (${r.error ? r.error.message : tail || `exit ${r.status}`}); the kernel log is read from JavaScript (slower, same result)`,
  );
}

main();
