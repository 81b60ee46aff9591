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
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const RATE = Number(process.argv[2] || 6000);
const SECONDS = Number(process.argv[3] || 5);
const TRIALS = Number(process.argv[4] || 5);
const CLIS = process.argv.slice(5).length ? process.argv.slice(5) : [path.join(__dirname, '../dist/whydied.js')];
const WORKERS = 4;
const TICKS = 100;

if (process.getuid() !== 0) {
  console.error('recorder-exit-storm: needs root (the recorder uses tracefs)');
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
    if (fork() == 0) {
      char *args[] = { prog, NULL }; long n = 0; double start = now(), per = workers / rate;
      while (now() - start < secs) {
        pid_t c; if (posix_spawn(&c, prog, NULL, NULL, args, environ) == 0) { waitpid(c, NULL, 0); n++; }
        double ahead = start + n * per - now();
        if (ahead > 0) { struct timespec ts = { 0, (long)(ahead * 1e9) }; nanosleep(&ts, NULL); }
      }
      printf("%d %ld\\n", getpid(), n); fflush(stdout); _exit(0);
    }
  }
  while (wait(NULL) > 0) {}
  return 0;
}
`;
const TINY_C = 'void _start(void) { __asm__ volatile("mov $231, %eax\\n xor %edi, %edi\\n syscall"); }\n';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function cpuTicks(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

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

async function trial(cli, tmp, forker, prog) {
  const state = fs.mkdtempSync(path.join(tmp, 'state-'));
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  let log = '';
  const rec = spawn(process.execPath, [cli, 'record', '--state-dir', state, '--cap-mb', '512'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  rec.stderr.on('data', (d) => (log += d));
  try {
    if (!(await waitFor(() => /recording: instance/.test(log), 20000))) throw new Error(`no start: ${log}`);
    await sleep(500);
    const c0 = cpuTicks(rec.pid);
    const t0 = Date.now();
    const run = spawnSync(forker, [String(RATE), String(SECONDS), String(WORKERS), prog], { encoding: 'utf8' });
    const tStorm = (Date.now() - t0) / 1000;
    const workers = run.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number));
    const spawned = workers.reduce((a, [, n]) => a + n, 0);
    const wpids = new Set(workers.map(([pid]) => pid));
    const mine = () => readRecords(state).filter((r) => wpids.has(r.ppid));
    await waitFor(() => mine().length >= spawned, 10000);
    const tAll = (Date.now() - t0) / 1000;
    const cpu = (cpuTicks(rec.pid) - c0) / TICKS;
    const recs = mine();
    const unique = new Set(recs.map((r) => `${r.pid}/${r.startTime}`)).size;
    rec.kill('SIGTERM');
    await new Promise((r) => rec.on('exit', r));
    const st = JSON.parse(fs.readFileSync(path.join(state, 'record.status.json'), 'utf8'));
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
    if (rec.exitCode === null && rec.signalCode === null) {
      rec.kill('SIGTERM');
      await new Promise((r) => rec.on('exit', r));
    }
    fs.rmSync(state, { recursive: true, force: true });
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-storm-'));
  try {
    const forker = path.join(tmp, 'forker');
    fs.writeFileSync(`${forker}.c`, FORKER_C);
    const cc = spawnSync('cc', ['-O2', '-o', forker, `${forker}.c`], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
    const prog = path.join(tmp, 'tiny');
    fs.writeFileSync(`${prog}.c`, TINY_C);
    const t = spawnSync('cc', ['-O2', '-static', '-nostdlib', '-o', prog, `${prog}.c`], { encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`cc (tiny) failed: ${t.stderr}`);
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
