#!/usr/bin/env node
/**
 * What the recorder costs a node, per exit rate, as the DaemonSet runs it (`record --output
 * store,jsonl,prom=DIR`, argv redacted), and how long the bounded store's history lasts under each retention
 * policy (--clean-exits all | 5/s | none). Root. A C forker (built here with cc) spawns /bin/true, and
 * /bin/false for FAIL% of them (failed exits: deaths the store always keeps), at a paced rate.
 * Per run it prints: exits/s the recorder saw (the machine's own exits included), its CPU as a share of
 * one core, its memory (VmRSS at the end, VmHWM peak), lost events (trace_pipe + ring buffer), the store's
 * growth per second and the history the default store (records.jsonl capped at 8 MiB plus one rotated
 * file: between 8 and 16 MiB) holds at that growth.
 *
 *   node bench/fleet-cost.js [rates=45,500,2000] [seconds=20] [fail%=10] [policies=all,5/s,none]
 *   (build first: npm run build)
 */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const RATES = (process.argv[2] || '45,500,2000').split(',').map(Number);
const SECONDS = Number(process.argv[3] || 20);
const FAIL = Number(process.argv[4] || 10);
const POLICIES = (process.argv[5] || 'all,5/s,none').split(',');
const CLI = path.join(__dirname, '../dist/whydied.js');
const TICKS = 100;
const STORE_BYTES = 8 * 1024 * 1024;

if (process.getuid() !== 0) {
  console.error('fleet-cost: needs root (the recorder uses tracefs)');
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
  double rate = atof(argv[1]), secs = atof(argv[2]); int fail = atoi(argv[3]);
  char *ok[] = { "/bin/true", NULL }, *bad[] = { "/bin/false", NULL };
  long n = 0; double start = now(), per = 1 / rate;
  while (now() - start < secs) {
    char **a = (n % 100) < fail ? bad : ok; pid_t c;
    if (posix_spawn(&c, a[0], NULL, NULL, a, environ) == 0) { waitpid(c, NULL, 0); n++; }
    double ahead = start + n * per - now();
    if (ahead > 0) { struct timespec ts = { 0, (long)(ahead * 1e9) }; nanosleep(&ts, NULL); }
  }
  printf("%ld %.3f\\n", n, now() - start);
  return 0;
}
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function cpuTicks(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}
function memKb(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number((new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s) || [])[1] || 0);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}
function storeBytes(dir) {
  let n = 0;
  for (const f of ['records.jsonl', 'records.1.jsonl'])
    try {
      n += fs.statSync(path.join(dir, f)).size;
    } catch {
      /* not yet */
    }
  return n;
}
function duration(s) {
  if (!Number.isFinite(s)) return 'unbounded';
  if (s < 3600) return `${(s / 60).toFixed(0)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

async function one(forker, rate, policy) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fleet-cost-'));
  const state = path.join(tmp, 'state');
  const prom = path.join(tmp, 'prom');
  fs.mkdirSync(prom);
  const env = { ...process.env, WHYDIED_REDACT_ARGV: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  let log = '';
  const args = ['record', '--state-dir', state, '--output', `store,jsonl,prom=${prom}`, '--clean-exits', policy];
  const rec = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  rec.stderr.on('data', (d) => (log += d));
  try {
    const end = Date.now() + 15000;
    while (!/recording: instance/.test(log) && Date.now() < end) await sleep(50);
    if (!/recording: instance/.test(log)) throw new Error(`recorder did not start: ${log}`);
    await sleep(1000);
    const c0 = cpuTicks(rec.pid);
    const b0 = storeBytes(state);
    const t0 = Date.now();
    const run = spawnSync(forker, [String(rate), String(SECONDS), String(FAIL)], { encoding: 'utf8' });
    await sleep(500); // the last flush (200 ms batches)
    const secs = (Date.now() - t0) / 1000;
    const cpu = (cpuTicks(rec.pid) - c0) / TICKS;
    const mem = memKb(rec.pid);
    const bytes = storeBytes(state) - b0;
    rec.kill('SIGTERM');
    await new Promise((r) => rec.on('exit', r));
    const st = JSON.parse(fs.readFileSync(path.join(state, 'record.status.json'), 'utf8'));
    const [spawned] = run.stdout.trim().split(' ').map(Number);
    const lost = st.lost.pipe + st.lost.overrun + st.lost.dropped;
    const perSec = bytes / secs;
    return {
      rate,
      policy,
      spawned,
      seen: st.exits / secs,
      cpuPct: (100 * cpu) / secs,
      rssMb: mem.rss / 1024,
      hwmMb: mem.hwm / 1024,
      lost,
      bytesPerSec: perSec,
      history: `${duration(STORE_BYTES / perSec)}-${duration((2 * STORE_BYTES) / perSec)}`,
    };
  } finally {
    if (rec.exitCode === null && rec.signalCode === null) {
      rec.kill('SIGTERM');
      await new Promise((r) => rec.on('exit', r));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fleet-forker-'));
  const forker = path.join(tmp, 'forker');
  try {
    fs.writeFileSync(`${forker}.c`, FORKER_C);
    const cc = spawnSync('cc', ['-O2', '-o', forker, `${forker}.c`], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
    console.log(
      `${SECONDS}s per run, ${FAIL}% of the spawned exits fail (exit 1); ${os.cpus().length} CPUs, kernel ${os.release()}`,
    );
    console.log('target/s  policy  exits/s seen  CPU % core  RSS MiB (peak)  lost  store B/s  history (8-16 MiB)');
    for (const rate of RATES)
      for (const policy of POLICIES) {
        const r = await one(forker, rate, policy);
        console.log(
          `${String(r.rate).padStart(8)}  ${r.policy.padEnd(6)}  ${r.seen.toFixed(0).padStart(12)}  ${r.cpuPct.toFixed(1).padStart(10)}  ${r.rssMb.toFixed(0).padStart(7)} (${r.hwmMb.toFixed(0)})  ${String(r.lost).padStart(4)}  ${r.bytesPerSec.toFixed(0).padStart(9)}  ${r.history}`,
        );
      }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`fleet-cost: ${e.message}`);
  process.exit(70);
});
