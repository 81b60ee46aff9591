#!/usr/bin/env node
/**
 * Exit storm against one or more recorder builds (root), side by side, as medians over trials run in
 * alternation (so the shared machine's load falls on every build alike). Each trial starts `whydied record`
 * into a temp state dir, lets a C forker (4 workers) posix_spawn a static one-instruction binary at a paced
 * rate for a few seconds, waits for the records, stops the recorder and prints per build:
 *   - exits/s achieved by the storm, and records/s the recorder wrote for them (within the storm + drain);
 *   - missing: storm exits with no record (pid + start time), lost: events the kernel flagged or overran;
 *   - no identity: exits whose fork the recorder had not seen first (out-of-order reading shows here);
 *   - recorder CPU per exit (utime + stime of the recorder over the run / exits), the figure that says how
 *     far it is from falling behind on 2 cores.
 *
 * Usage: node bench/recorder-exit-storm.js [rate/s=6000] [seconds=5] [trials=5] [cli ...]
 *   cli defaults to dist/whydied.js; pass another build's dist/whydied.js to compare (e.g. main's).
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const lib = require('./storm-lib');
const { median } = require('./lib');

const RATE = Number(process.argv[2] || 6000);
const SECONDS = Number(process.argv[3] || 5);
const TRIALS = Number(process.argv[4] || 5);
const CLIS = process.argv.slice(5).length ? process.argv.slice(5) : [path.join(__dirname, '../dist/whydied.js')];
const WORKERS = 4;

lib.requireRoot('recorder-exit-storm');

async function trial(cli, tmp, forker, prog) {
  const state = fs.mkdtempSync(path.join(tmp, 'state-'));
  const { rec, stop } = await lib.startRecorder(cli, state);
  try {
    await lib.sleep(500);
    const c0 = lib.cpuTicks(rec.pid);
    const t0 = Date.now();
    const workers = lib.storm(forker, RATE, SECONDS, WORKERS, prog);
    const tStorm = (Date.now() - t0) / 1000;
    const spawned = workers.reduce((a, w) => a + w.n, 0);
    const wpids = new Set(workers.map((w) => w.pid));
    const mine = () => lib.readRecords(state).filter((r) => wpids.has(r.ppid));
    await lib.waitFor(() => mine().length >= spawned, 10000);
    const tAll = (Date.now() - t0) / 1000;
    const cpu = (lib.cpuTicks(rec.pid) - c0) / lib.TICKS;
    const recs = mine();
    const unique = new Set(recs.map((r) => `${r.pid}/${r.startTime}`)).size;
    await stop();
    const st = lib.readStatus(state);
    return {
      exitRate: spawned / tStorm,
      recordRate: unique / tAll,
      missing: spawned - unique,
      lost: st.lost.pipe + st.lost.overrun + st.lost.dropped,
      unknown: st.unknownIdentity,
      cpuMsPerExit: (1000 * cpu) / Math.max(1, spawned),
      cpuShare: (100 * cpu) / tStorm,
    };
  } finally {
    await stop();
    fs.rmSync(state, { recursive: true, force: true });
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-storm-'));
  try {
    const forker = lib.buildForker(tmp);
    const prog = lib.buildTiny(tmp);
    const results = CLIS.map(() => []);
    for (let i = 0; i < TRIALS; i++)
      for (let c = 0; c < CLIS.length; c++) results[c].push(await trial(CLIS[c], tmp, forker, prog));
    console.log(`exit storm: ${RATE}/s target for ${SECONDS}s, ${WORKERS} workers, medians of ${TRIALS} trials`);
    console.log(
      ['build', 'exits/s', 'records/s', 'missing', 'lost', 'no identity', 'CPU ms/exit', 'CPU %/core']
        .map((h, i) => (i ? h.padStart(14) : h.padEnd(40)))
        .join(''),
    );
    for (let c = 0; c < CLIS.length; c++) {
      const m = (k) => median(results[c].map((r) => r[k]));
      const row = [
        m('exitRate').toFixed(0),
        m('recordRate').toFixed(0),
        String(m('missing')),
        String(m('lost')),
        String(m('unknown')),
        m('cpuMsPerExit').toFixed(4),
        m('cpuShare').toFixed(1),
      ];
      console.log(path.relative(process.cwd(), CLIS[c]).padEnd(40) + row.map((v) => v.padStart(14)).join(''));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`recorder-exit-storm: ${e.message}`);
  process.exit(70);
});
