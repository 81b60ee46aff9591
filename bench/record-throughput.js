#!/usr/bin/env node
/**
 * Flight-recorder throughput (root). Starts the built recorder into a temp state dir, then a small C forker
 * (compiled here with cc) whose workers posix_spawn `/bin/true` at a paced rate for a number of seconds, and
 * prints: the exit rate actually achieved, records written for those exits (each must appear exactly once
 * by pid + start time), lost events (trace_pipe LOST lines, ring-buffer overrun/dropped), and the
 * recorder's CPU (utime + stime from /proc/<pid>/stat) over the run, as a share of one core.
 *
 * Usage: node bench/record-throughput.js [rate/s=3000] [seconds=10] [workers=4] [true|tiny]   (build first: npm run build)
 * `tiny` execs a 1-instruction static binary (x86-64) instead of the dynamically linked /bin/true: the same
 * four trace events per process at a fraction of the exec cost, to find the recorder's ceiling on 2 cores.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const lib = require('./storm-lib');

const RATE = Number(process.argv[2] || 3000);
const SECONDS = Number(process.argv[3] || 10);
const WORKERS = Number(process.argv[4] || 4);
const TINY = process.argv[5] === 'tiny';
const CLI = path.join(__dirname, '../dist/whydied.js');

lib.requireRoot('record-throughput');

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-bench-'));
  const state = path.join(tmp, 'state');
  const forker = lib.buildForker(tmp);
  const prog = TINY ? lib.buildTiny(tmp) : '/bin/true';
  const comm = path.basename(prog);
  const { rec, stop } = await lib.startRecorder(CLI, state);
  try {
    await lib.sleep(1000);
    const t0 = Date.now();
    const c0 = lib.cpuTicks(rec.pid);
    const workers = lib.storm(forker, RATE, SECONDS, WORKERS, prog);
    const tBurst = (Date.now() - t0) / 1000;
    const spawned = workers.reduce((a, w) => a + w.n, 0);
    const wpids = new Set(workers.map((w) => w.pid));
    const mine = () => lib.readRecords(state).filter((r) => r.comm === comm && wpids.has(r.ppid));
    await lib.waitFor(() => mine().length >= spawned, 10000);
    const tEnd = (Date.now() - t0) / 1000;
    const c1 = lib.cpuTicks(rec.pid);
    const recs = mine();
    const unique = new Set(recs.map((r) => `${r.pid}/${r.startTime}`)).size;
    const cpuSec = (c1 - c0) / lib.TICKS;
    // Stop first: the final status (written on the clean stop) has the complete counts.
    await stop();
    const status = lib.readStatus(state);
    console.log(`target rate            ${RATE}/s for ${SECONDS}s with ${WORKERS} workers`);
    console.log(
      `achieved exit rate     ${(spawned / tBurst).toFixed(0)}/s (${spawned} ${TINY ? 'tiny static' : '/bin/true'} exits in ${tBurst.toFixed(2)}s)`,
    );
    console.log(`records for them       ${recs.length} (${unique} unique pid+start time, ${spawned - unique} missing)`);
    console.log(
      `records total          ${status.records} for ${status.exits} exits seen (${status.unknownIdentity} with unknown identity)`,
    );
    console.log(
      `lost events            trace_pipe ${status.lost.pipe}, overrun ${status.lost.overrun}, dropped ${status.lost.dropped} (buffer ${status.bufferKb} KB/CPU)`,
    );
    console.log(
      `recorder CPU           ${cpuSec.toFixed(2)}s over ${tEnd.toFixed(2)}s = ${((100 * cpuSec) / tBurst).toFixed(1)}% of one core during the burst (${((1000 * cpuSec) / Math.max(1, spawned)).toFixed(3)} ms per exit)`,
    );
  } finally {
    await stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`record-throughput: ${e.message}`);
  process.exit(70);
});
