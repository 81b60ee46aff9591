#!/usr/bin/env node
/**
 * The real kernel ring buffer, read and parsed cold, inside a diagnosis: what `whydied <pid>` pays for the
 * kernel log. Each run is a fresh `whydied <pid> --json --verbose` (the bin: bundle + code cache, no JIT
 * warm-up); the kernel-log check's own duration (it reads /dev/kmsg, one read per record, scans it with the
 * keyword pre-filter and per-format parsers, and searches the incidents) is taken from the report, next to
 * the whole run's wall time and `node -e 0`'s. Medians. Needs a readable /dev/kmsg (root, or
 * kernel.dmesg_restrict=0).
 * Usage: node bench/kernel-log-cold.js [runs=11]   (after `npm install`)
 */
'use strict';
const fs = require('fs');
const { spawn, spawnSync } = require('child_process');
const { CLI, benchEnv, median, timeOnce } = require('./lib');

const runs = Number(process.argv[2] || 11);
const target = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
target.unref();
try {
  const check = [];
  const whole = [];
  const floor = [];
  let source = null;
  for (let i = 0; i < runs; i++) {
    floor.push(timeOnce([process.execPath, '-e', '0'], benchEnv()));
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, String(target.pid), '--json', '--verbose'], {
      env: benchEnv(),
      encoding: 'utf8',
    });
    whole.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const out = JSON.parse(r.stdout);
    // whydied.report/2 prints an envelope ({ reports: [...] }); /1 printed the report itself.
    const rep = Array.isArray(out.reports) ? out.reports[0] : out;
    const k = rep.checks.find((c) => c.id === 'kernel-log');
    check.push(k.durationMs);
    source = k.evidence && k.evidence.source;
  }
  let size = '?';
  let records = '?';
  try {
    // The same ring buffer, once more, to say how big it is (records: one per read).
    const fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const buf = Buffer.alloc(16384);
    let n = 0;
    let bytes = 0;
    for (;;) {
      try {
        const got = fs.readSync(fd, buf, 0, buf.length, null);
        if (got === 0) break;
        bytes += got;
        n++;
      } catch (e) {
        if (e.code === 'EPIPE') continue;
        break;
      }
    }
    fs.closeSync(fd);
    size = `${(bytes / 1024).toFixed(0)} KiB`;
    records = n;
  } catch {
    /* unreadable: the check says so */
  }
  console.log(`kernel log, cold, in ${runs} fresh diagnoses (medians); node ${process.version}`);
  console.log(`ring buffer ${size}, ${records} records, read from ${source ?? 'nothing'}`);
  console.log(
    `kernel-log check (read + parse + search) ${median(check).toFixed(1)} ms of a ${median(whole).toFixed(1)} ms diagnosis; node -e 0 ${median(floor).toFixed(1)} ms`,
  );
} finally {
  try {
    process.kill(target.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
