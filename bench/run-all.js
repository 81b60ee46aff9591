#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark in bench/, one after another, each printing its own figures side by
 * side with `node -e 0` (nothing is asserted: these are measurements, not tests). Builds nothing: run
 * `npm install` (or `npm run build`) first. Pass `--quick` for fewer runs per case.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

if (!fs.existsSync(path.join(__dirname, '..', 'dist', 'whydied.js'))) {
  console.error('bench: dist/whydied.js is missing: run `npm install` (or `npm run build`) first');
  process.exit(2);
}
const quick = process.argv.includes('--quick');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const benches = [
  ['startup.js', quick ? ['7'] : ['15']],
  ['records-store.js', quick ? ['5'] : ['11']],
  ['scale.js', quick ? ['3', '0,1000,5000'] : ['7']],
  ['kernel-log-cold.js', quick ? ['5'] : ['11']],
  ['kernel-log-parse.js', []],
  ['record-throughput.js', quick ? ['2000', '3'] : ['2000', '8']],
];
let failed = 0;
for (const [file, args] of benches) {
  console.log(`\n=== node bench/${file} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(__dirname, file), ...args], { stdio: 'inherit', env });
  if (r.status !== 0) {
    failed++;
    console.log(`(bench/${file} exited ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
