#!/usr/bin/env node
/**
 * The V8 startup snapshot experiment (issue 20): is starting whydied from a snapshot of its warmed heap
 * (bench/snapshot/: every module initialised, the functions a diagnosis runs compiled by replaying the
 * captured scenarios) cheaper than the bin (dist/whydied.js: the bundle compiled from its V8 code cache)?
 * Builds the snapshot into dist/snapshot/, then times, side by side with `node -e 0` in one run (medians of
 * interleaved runs, CPU = user + system of the child):
 *  - a snapshot of nothing (the floor of any user-land snapshot) and whydied's, started and left at once;
 *  - `<pid> --json`, table, a gone pid and a usage error, by the bin and from the snapshot.
 * Usage: node bench/snapshot.js [runs]   (after `npm install`, which builds dist/)
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { CLI, NODE_FLOOR, measure, row } = require('./lib');
const { build } = require('./snapshot/build');

const runs = Number(process.argv[2] || 15);
const node = process.execPath;

async function main() {
  const blob = await build();
  // The floor: a snapshot whose entry only sets its main function.
  const emptyEntry = path.join(path.dirname(blob), 'empty.js');
  const empty = path.join(path.dirname(blob), 'empty.blob');
  fs.writeFileSync(emptyEntry, "require('v8').startupSnapshot.setDeserializeMainFunction(() => {});\n");
  const r = spawnSync(node, ['--snapshot-blob', empty, '--build-snapshot', emptyEntry], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the empty snapshot did not build');
  const mb = (f) => (fs.statSync(f).size / 1048576).toFixed(1);
  console.log(`snapshot: ${mb(blob)} MiB (a snapshot of nothing: ${mb(empty)} MiB)`);

  const target = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  target.unref();
  const pid = String(target.pid);
  const snap = (...args) => [node, '--snapshot-blob', blob, '--', CLI, ...args];
  const cases = [
    NODE_FLOOR,
    ['snapshot of nothing, start', [node, '--snapshot-blob', empty]],
    ['whydied snapshot, start only', [node, '--snapshot-blob', blob, '--', '--noop']],
    ['bin <pid> --json', [node, CLI, pid, '--json']],
    ['snapshot <pid> --json', snap(pid, '--json')],
    ['bin <pid> (table)', [node, CLI, pid]],
    ['snapshot <pid> (table)', snap(pid)],
    ['bin 999999 --json (gone)', [node, CLI, '999999', '--json']],
    ['snapshot 999999 --json (gone)', snap('999999', '--json')],
    ['bin 0 (usage error)', [node, CLI, '0']],
    ['snapshot 0 (usage error)', snap('0')],
  ];
  try {
    const m = measure(cases, runs);
    const floor = m.get(NODE_FLOOR[0]);
    console.log(
      `snapshot vs bin: ${runs} runs per case, interleaved, after a warm-up; wall ms (min, median) and mean CPU ms (user+sys); node ${process.version}`,
    );
    const w = [34, 9, 11, 8, 10, 8];
    console.log(row(['case', 'min ms', 'median ms', 'x node', 'cpu ms', 'x node'], w));
    for (const [name] of cases) {
      const c = m.get(name);
      console.log(
        row(
          [
            name,
            c.min.toFixed(1),
            c.median.toFixed(1),
            (c.median / floor.median).toFixed(2),
            c.cpu.toFixed(1),
            (c.cpu / floor.cpu).toFixed(2),
          ],
          w,
        ),
      );
    }
  } finally {
    try {
      process.kill(target.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

main().catch((e) => {
  console.error(`bench/snapshot: ${e.message}`);
  process.exit(1);
});
