#!/usr/bin/env node
/**
 * Flight-recorder throughput (root). Starts the built recorder into a temp state dir, then a small C forker
 * (compiled here with cc) whose workers posix_spawn `/bin/true` at a paced rate for a number of seconds, and
 * prints: the exit rate actually achieved, records written for those exits (each must appear exactly once
 * by pid + start time), lost events (trace_pipe LOST lines, ring-buffer overrun/dropped), and the
 * recorder's CPU (utime + stime from /proc/<pid>/stat) over the run, as a share of one core.
 *
 * Usage: node bench/record-throughput.js [rate/s=3000] [seconds=10] [workers=4] [true|tiny]   (build first: npx tsc -p .)
 * `tiny` execs a 1-instruction static binary (x86-64) instead of the dynamically linked /bin/true: the same
 * four trace events per process at a fraction of the exec cost, to find the recorder's ceiling on 2 cores.
 */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const RATE = Number(process.argv[2] || 3000);
const SECONDS = Number(process.argv[3] || 10);
const WORKERS = Number(process.argv[4] || 4);
const TINY = process.argv[5] === 'tiny';
const CLI = path.join(__dirname, '../dist/whydied.js');
const TICKS = 100;

if (process.getuid() !== 0) {
  console.error('record-throughput: needs root (the recorder uses tracefs)');
  process.exit(2);
}

const FORKER_C = `
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  double rate = atof(argv[1]), secs = atof(argv[2]); int workers = atoi(argv[3]); char *prog = argv[4];
  for (int w = 0; w < workers; w++) {
    pid_t p = fork();
    if (p == 0) {
      char *args[] = { prog, NULL }; long n = 0; double start = now(), per = workers / rate;
      while (now() - start < secs) {
        pid_t c; if (posix_spawn(&c, prog, NULL, NULL, args, environ) == 0) { waitpid(c, NULL, 0); n++; }
        double ahead = start + n * per - now();
        if (ahead > 0) { struct timespec ts = { 0, (long)(ahead * 1e9) }; nanosleep(&ts, NULL); }
      }
      printf("%d %ld %.3f\\n", getpid(), n, now() - start); fflush(stdout); _exit(0);
    }
  }
  while (wait(NULL) > 0) {}
  return 0;
}
`;

/** exit_group(0) and nothing else: no loader, no libc. */
const TINY_C = 'void _start(void) { __asm__ volatile("mov $231, %eax\\n xor %edi, %edi\\n syscall"); }\n';

function cpuTicks(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(50);
  }
  return pred();
}

function readRecords(dir) {
  const out = [];
  for (const f of ['records.1.jsonl', 'records.jsonl']) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(dir, f), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line));
  }
  return out;
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-bench-'));
  const state = path.join(tmp, 'state');
  const forker = path.join(tmp, 'forker');
  fs.writeFileSync(`${forker}.c`, FORKER_C);
  const cc = spawnSync('cc', ['-O2', '-o', forker, `${forker}.c`], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
  let prog = '/bin/true';
  if (TINY) {
    prog = path.join(tmp, 'true');
    fs.writeFileSync(`${prog}.c`, TINY_C);
    const t = spawnSync('cc', ['-O2', '-static', '-nostdlib', '-o', prog, `${prog}.c`], { encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`cc (tiny) failed: ${t.stderr}`);
  }

  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS; // see domain-facts: it triples node start-up here
  let log = '';
  const rec = spawn(process.execPath, [CLI, 'record', '--state-dir', state, '--cap-mb', '512'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  rec.stderr.on('data', (d) => (log += d));
  try {
    if (!(await waitFor(() => /recording: instance/.test(log), 15000)))
      throw new Error(`recorder did not start: ${log}`);
    await sleep(1000);
    const t0 = Date.now();
    const c0 = cpuTicks(rec.pid);
    const run = spawnSync(forker, [String(RATE), String(SECONDS), String(WORKERS), prog], { encoding: 'utf8' });
    const tBurst = (Date.now() - t0) / 1000;
    const workers = run.stdout
      .trim()
      .split('\n')
      .map((l) => {
        const [pid, n, secs] = l.split(' ');
        return { pid: Number(pid), n: Number(n), secs: Number(secs) };
      });
    const spawned = workers.reduce((a, w) => a + w.n, 0);
    const wpids = new Set(workers.map((w) => w.pid));
    const mine = () => readRecords(state).filter((r) => r.comm === 'true' && wpids.has(r.ppid));
    await waitFor(() => mine().length >= spawned, 10000);
    const tEnd = (Date.now() - t0) / 1000;
    const c1 = cpuTicks(rec.pid);
    const recs = mine();
    const unique = new Set(recs.map((r) => `${r.pid}/${r.startTime}`)).size;
    const cpuSec = (c1 - c0) / TICKS;
    // Stop first: the final status (written on the clean stop) has the complete counts.
    rec.kill('SIGTERM');
    await new Promise((r) => rec.on('exit', r));
    const status = JSON.parse(fs.readFileSync(path.join(state, 'record.status.json'), 'utf8'));
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
    if (rec.exitCode === null && rec.signalCode === null) {
      rec.kill('SIGTERM');
      await new Promise((r) => rec.on('exit', r));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`record-throughput: ${e.message}`);
  process.exit(70);
});
