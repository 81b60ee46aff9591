#!/usr/bin/env node
/**
 * Startup cost in instructions, not seconds: each case run under `valgrind --tool=callgrind` (instructions
 * executed by every thread of the process, the kernel's work not counted), side by side with `node -e 0`.
 * On a shared 2-core machine wall time moves 10-30 % with everyone else's load; an instruction count moves
 * ~3 % (V8's background threads), so this is the figure to compare changes by and to see where the floor is.
 *
 * The cases split a diagnosis into what it is made of:
 *   - `bundle read + code cache, nothing run`: node reads dist/whydied.bundle.js and its V8 code cache and
 *     deserialises it, as the bin's loader does, and runs none of it: the floor of any JavaScript bin that
 *     carries this much code;
 *   - `whydied 0 (usage error)`: the bin loads and initialises the modules of a diagnosis, then refuses;
 *   - `whydied <pid> --json`: a whole diagnosis of a live process.
 * Usage: node bench/startup-ir.js [runs]   (default 3; needs valgrind: apt-get install valgrind)
 */
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const { CLI, NODE_FLOOR, benchEnv, liveTarget, median, row } = require('./lib');

const runs = Number(process.argv[2] || 3);
if (spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('startup-ir: valgrind not found (apt-get install valgrind)');
  process.exit(2);
}

const dist = path.join(__dirname, '..', 'dist');
const loadOnly = [
  "const fs=require('fs'),vm=require('vm'),M=require('module');",
  `const f=${JSON.stringify(path.join(dist, 'whydied.bundle.js'))};`,
  `const s=new vm.Script(M.wrap(fs.readFileSync(f,'utf8')),{filename:f,cachedData:fs.readFileSync(${JSON.stringify(
    path.join(dist, 'whydied.bundle.cache'),
  )})});`,
  "if(s.cachedDataRejected)throw new Error('code cache rejected: run the bin once');",
].join('');

const target = liveTarget();
const pid = target.pid;
const node = process.execPath;
const cases = [
  NODE_FLOOR,
  ['bundle read + code cache, nothing run', [node, '-e', loadOnly]],
  ['whydied --help', [node, CLI, '--help']],
  ['whydied 0 (usage error)', [node, CLI, '0']],
  ['whydied 999999 --json (gone)', [node, CLI, '999999', '--json']],
  ['whydied <pid> --json', [node, CLI, pid, '--json']],
  ['whydied <pid> (table)', [node, CLI, pid]],
];

/** Instructions (Ir) of one run of argv under callgrind, every thread counted. */
function instructions(argv) {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', ...argv], {
    env: benchEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 600000,
  });
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr || '');
  if (!m) throw new Error(`startup-ir: no count from valgrind for ${argv.join(' ')}: ${(r.stderr || '').slice(-300)}`);
  return Number(m[1].replace(/,/g, '')) / 1e6;
}

try {
  // The bin writes its code cache on the first run when there is none: not a run to count.
  spawnSync(node, [CLI, pid, '--json'], { env: benchEnv(), stdio: 'ignore' });
  const counts = cases.map(() => []);
  for (let r = 0; r < runs; r++) cases.forEach(([, argv], i) => counts[i].push(instructions(argv)));
  const floor = median(counts[0]);
  console.log(
    `startup-ir: ${runs} runs per case under callgrind, interleaved; millions of instructions; node ${process.version}`,
  );
  const w = [38, 10, 10, 8, 14];
  console.log(row(['case', 'min M', 'median M', 'x node', 'above node M'], w));
  cases.forEach(([name], i) => {
    const m = median(counts[i]);
    console.log(
      row([name, Math.min(...counts[i]).toFixed(1), m.toFixed(1), (m / floor).toFixed(2), (m - floor).toFixed(1)], w),
    );
  });
} finally {
  target.stop();
}
