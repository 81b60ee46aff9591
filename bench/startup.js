#!/usr/bin/env node
/**
 * Startup cost of a diagnosis against the floor of starting node itself. Runs each command N times
 * (default 15) and prints min and median wall time. NODE_EXTRA_CA_CERTS is removed for every side:
 * loading extra CA certificates costs ~80 ms at node start and is not whydied's doing.
 * Usage: node bench/startup.js [runs]   (after `npm install`, which builds dist/)
 */
'use strict';
const { spawn, spawnSync } = require('child_process');
const path = require('path');

const runs = Number(process.argv[2] || 15);
const cli = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_EXTRA_CA_CERTS;

// A real target: a sleep in its own session, killed at the end.
const target = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
target.unref();

const cases = [
  ['node -e 0 (floor)', [process.execPath, '-e', '0']],
  ['whydied --help', [process.execPath, cli, '--help']],
  ['whydied 0 (usage error)', [process.execPath, cli, '0']],
  [`whydied <pid> (table)`, [process.execPath, cli, String(target.pid)]],
  [`whydied <pid> --json`, [process.execPath, cli, String(target.pid), '--json']],
  ['whydied sleep (by name)', [process.execPath, cli, 'sleep', '--json']],
  ['whydied 999999 (gone, postmortem)', [process.execPath, cli, '999999', '--json']],
];

function time(argv) {
  const t0 = process.hrtime.bigint();
  spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

console.log(`runs per case: ${runs}`);
console.log('case'.padEnd(38) + 'min ms'.padStart(10) + 'median ms'.padStart(12));
try {
  for (const [name, argv] of cases) {
    time(argv); // warm the page cache
    const t = Array.from({ length: runs }, () => time(argv)).sort((a, b) => a - b);
    console.log(name.padEnd(38) + t[0].toFixed(1).padStart(10) + t[Math.floor(t.length / 2)].toFixed(1).padStart(12));
  }
} finally {
  try { process.kill(target.pid, 'SIGKILL'); } catch { /* gone */ }
}
