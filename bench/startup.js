#!/usr/bin/env node
/**
 * Startup cost of whydied against the floor of starting node itself, side by side in one run: each case
 * N times (default 15), interleaved, after one warm-up each; medians and ratios to `node -e 0`.
 * Targets (issue 20): `<pid> --json` <= 1.4x, `--help` and `--version` <= 1.1x, table output <= 2.2x; the
 * single executable (dist/sea/whydied, when built) no slower than the bin.
 * Runs the bin as users do (dist/whydied.js: the bundle, its code cache and fast path). NODE_EXTRA_CA_CERTS
 * is removed for every side: it costs ~80 ms at any node start and is not whydied's doing.
 * Usage: node bench/startup.js [runs] [--before OTHER_CLI.js]   (after `npm install`, which builds dist/)
 * --before adds the same cases run with another build's CLI script (e.g. an older checkout's
 * dist/src/cli/main.js), interleaved in the same run, for a before/after comparison.
 */
'use strict';
const { CLI, NODE_FLOOR, liveTarget, measure, row, verdict } = require('./lib');

const args = process.argv.slice(2);
const beforeAt = args.indexOf('--before');
const before = beforeAt >= 0 ? args.splice(beforeAt, 2)[1] : null;
const runs = Number(args[0] || 15);

// A real target: a sleep in its own session, killed at the end.
const target = liveTarget();
const pid = target.pid;
const node = process.execPath;

const cases = [
  NODE_FLOOR,
  ['whydied --help', [node, CLI, '--help']],
  ['whydied --version', [node, CLI, '--version']],
  ['whydied 0 (usage error)', [node, CLI, '0']],
  ['whydied <pid> (table)', [node, CLI, pid]],
  ['whydied <pid> --json', [node, CLI, pid, '--json']],
  ['whydied sleep --json (by name)', [node, CLI, 'sleep', '--json']],
  ['whydied 999999 --json (gone)', [node, CLI, '999999', '--json']],
  ['whydied checks (yargs path)', [node, CLI, 'checks']],
];
// The single executable (scripts/build-sea.js), when built: the same cases run by it, side by side.
const SEA = require('path').join(__dirname, '..', 'dist', 'sea', 'whydied');
if (require('fs').existsSync(SEA)) {
  cases.push(['single file --help', [SEA, '--help']]);
  cases.push(['single file <pid> (table)', [SEA, pid]]);
  cases.push(['single file <pid> --json', [SEA, pid, '--json']]);
}
if (before) {
  for (const [name, argv] of cases.slice(1)) {
    // The single file has no script argument to swap; the yargs path is not a target.
    if (name.includes('yargs path') || name.startsWith('single file')) continue;
    cases.push([`before: ${name.replace('whydied ', '')}`, [argv[0], before, ...argv.slice(2)]]);
  }
}
// Issue 20's targets; the single file's: no slower than the bin (the bin's target).
const targets = {
  'whydied --help': 1.1,
  'whydied --version': 1.1,
  'whydied <pid> (table)': 2.2,
  'whydied <pid> --json': 1.4,
  'single file --help': 1.1,
  'single file <pid> --json': 1.4,
};

try {
  const m = measure(cases, runs);
  const floor = m.get(NODE_FLOOR[0]).median;
  console.log(
    `startup: ${runs} runs per case, interleaved, after a warm-up; wall ms (min, median) and mean CPU ms (user+sys); node ${process.version}`,
  );
  const cpuFloor = m.get(NODE_FLOOR[0]).cpu;
  const w = [34, 9, 11, 8, 10, 8, 22];
  console.log(row(['case', 'min ms', 'median ms', 'x node', 'cpu ms', 'x node', 'target (median)'], w));
  for (const [name] of cases) {
    const r = m.get(name);
    const ratio = r.median / floor;
    const t = targets[name];
    console.log(
      row(
        [
          name,
          r.min.toFixed(1),
          r.median.toFixed(1),
          ratio.toFixed(2),
          r.cpu.toFixed(1),
          (r.cpu / cpuFloor).toFixed(2),
          t ? `<= ${t}x ${verdict(ratio <= t)}` : '',
        ],
        w,
      ),
    );
  }
} finally {
  target.stop();
}
