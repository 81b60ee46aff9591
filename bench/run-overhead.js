#!/usr/bin/env node
/**
 * What `whydied run -- CMD` adds to CMD: wall time of `true` run directly, through node alone (`node -e 0`,
 * the floor of any node tool) and through `whydied run` - as root (tracefs watch set up before CMD starts)
 * and as an unprivileged user (wait status only). Medians and ratios over N runs (default 15).
 * NODE_EXTRA_CA_CERTS is removed on every side. Usage: node bench/run-overhead.js [runs]
 */
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const runs = Number(process.argv[2] || 15);
const cli = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_EXTRA_CA_CERTS;
const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
const root = process.getuid && process.getuid() === 0;

const cases = [
  ['true (direct)', ['true']],
  ['node -e 0 (floor)', [process.execPath, '-e', '0']],
  ['whydied run -- true', [process.execPath, cli, 'run', '--', 'true']],
];
if (root) {
  cases.push(['nobody: node -e 0', [...asNobody, process.execPath, '-e', '0']]);
  cases.push(['nobody: whydied run -- true', [...asNobody, process.execPath, cli, 'run', '--', 'true']]);
}

function time(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore', cwd: '/' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: status ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`runs per case: ${runs}${root ? ' (root: the first whydied line includes the tracefs watch)' : ''}`);
console.log('case'.padEnd(34) + 'median ms'.padStart(12) + 'x node -e 0'.padStart(14));
const results = [];
for (const [name, argv] of cases) {
  time(argv);
  results.push([name, median(Array.from({ length: runs }, () => time(argv)))]);
}
const floor = results[1][1];
const nobodyFloor = results.find(([n]) => n === 'nobody: node -e 0');
for (const [name, ms] of results) {
  const base = name.startsWith('nobody') && nobodyFloor ? nobodyFloor[1] : floor;
  console.log(name.padEnd(34) + ms.toFixed(1).padStart(12) + (ms / base).toFixed(2).padStart(14));
}
