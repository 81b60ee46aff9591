#!/usr/bin/env node
/**
 * How a diagnosis grows with the number of processes on the machine: `whydied <pid>`, by name and
 * `:PORT`, each with 0, 1,000, 5,000 and 10,000 extra idle processes, side by side with `node -e 0`.
 * Targets (issue 20): `<pid>` grows by <= 25 us per extra process, by name and `:PORT` by <= 40 us, in wall
 * time (medians) and in CPU time (user + system of the child, its helper threads on the other core included). The extra processes are children of a tiny
 * C program (compiled here with cc into a temp dir) that forks N children sleeping in pause(); it and its
 * children are killed at the end (they die with it: PR_SET_PDEATHSIG), as are the targets.
 * Usage: node bench/scale.js [runs=9] [counts=0,1000,5000,10000] [--before OTHER/dist/whydied.js]
 * --before adds the same three cases run with another build's CLI, interleaved in the same run (a
 * before/after comparison on a shared machine, where two runs minutes apart differ more than the change).
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { CLI, NODE_FLOOR, benchEnv, measure, row, verdict } = require('./lib');

const args = process.argv.slice(2);
const beforeAt = args.indexOf('--before');
const before = beforeAt >= 0 ? args.splice(beforeAt, 2)[1] : null;
const runs = Number(args[0] || 9);
const counts = (args[1] || '0,1000,5000,10000').split(',').map(Number);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-bench-scale-'));
const children = [];

const FORKER = `
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p < 0) { perror("fork"); return 1; }
    if (p == 0) { prctl(PR_SET_PDEATHSIG, SIGKILL); if (getppid() == 1) _exit(0); for (;;) pause(); }
  }
  printf("ready\\n");
  fflush(stdout);
  for (;;) pause();
}`;

function start(argv, opts = {}) {
  const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], detached: true, ...opts });
  children.push(c);
  return c;
}

function firstLine(c) {
  return new Promise((resolve, reject) => {
    let buf = '';
    c.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.split('\n')[0]);
    });
    c.on('exit', (code) => reject(new Error(`${c.spawnargs[0]} exited ${code} before it was ready`)));
  });
}

const procCount = () => fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;

async function main() {
  const src = path.join(tmp, 'forker.c');
  fs.writeFileSync(src, FORKER);
  const forker = path.join(tmp, 'wdscale-forker');
  const cc = spawnSync('cc', ['-O2', '-o', forker, src], { stdio: 'inherit' });
  if (cc.status !== 0) throw new Error('cc failed: a C compiler is needed for this benchmark');

  // Targets: a sleep by pid, a uniquely named copy of sleep by name, a TCP listener by port.
  const named = path.join(tmp, 'wdscale-target');
  fs.copyFileSync('/bin/sleep', named);
  fs.chmodSync(named, 0o755);
  const bySleep = start(['sleep', '3600']);
  start([named, '3600']);
  const listener = start([
    'python3',
    '-c',
    "import socket,signal;s=socket.socket();s.bind(('127.0.0.1',0));s.listen();print(s.getsockname()[1],flush=True);signal.pause()",
  ]);
  const port = await firstLine(listener);

  const cases = [
    NODE_FLOOR,
    ['<pid> --json', [process.execPath, CLI, String(bySleep.pid), '--json']],
    ['<name> --json', [process.execPath, CLI, 'wdscale-target', '--json']],
    [':PORT --json', [process.execPath, CLI, `:${port}`, '--json']],
  ];
  if (before)
    for (const [name, argv] of cases.slice(1)) cases.push([`before: ${name}`, [argv[0], before, ...argv.slice(2)]]);
  const results = [];
  for (const n of counts) {
    let group = null;
    if (n > 0) {
      group = start([forker, String(n)]);
      await firstLine(group);
    }
    const total = procCount();
    const m = measure(cases, runs);
    results.push({ n, total, m });
    const out = [`extra ${n}`, `(${total} procs)`, ...cases.map(([name]) => m.get(name).median.toFixed(1))];
    console.log(out.join('  '));
    if (group) {
      process.kill(-group.pid, 'SIGKILL');
      await new Promise((r) => group.once('exit', r));
      children.splice(children.indexOf(group), 1);
      // The children die of their parent-death signal a moment later: wait for them, so the next size
      // is measured with the processes it says it has.
      const deadline = Date.now() + 60000;
      while (procCount() > total - n + 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
  }

  console.log(
    `\nscale: ${runs} runs per case per size, interleaved, medians (ms); node ${process.version}, ${os.cpus().length} cpus`,
  );
  const w = [16, 12, ...cases.map(([name]) => Math.max(15, name.length + 2))];
  const targets = { '<pid> --json': 25, '<name> --json': 40, ':PORT --json': 40 };
  for (const k of Object.keys(targets)) targets[`before: ${k}`] = targets[k];
  for (const [what, key] of [
    ['wall ms (medians)', 'median'],
    ['CPU ms (means, user + system)', 'cpu'],
  ]) {
    console.log(`\n${what}`);
    console.log(row(['extra procs', 'total', ...cases.map(([name]) => name)], w));
    for (const r of results)
      console.log(row([r.n, r.total, ...cases.map(([name]) => r.m.get(name)[key].toFixed(1))], w));
    const base = results[0];
    console.log(
      `growth per extra process (us, ${key === 'cpu' ? 'CPU' : 'wall'}): per size, from the run without extra`,
    );
    console.log('processes; and the slope of a least-squares line through every size:');
    for (const [name] of cases.slice(1)) {
      const slopes = results
        .slice(1)
        .map((r) => ((r.m.get(name)[key] - base.m.get(name)[key]) * 1000) / (r.total - base.total));
      const xs = results.map((r) => r.total);
      const ys = results.map((r) => r.m.get(name)[key]);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const fit =
        (xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0)) * 1000;
      const t = targets[name];
      console.log(
        `  ${name.padEnd(24)} ${slopes.map((s, i) => `${results[i + 1].n}: ${s.toFixed(1)}`).join('  ')}  fit: ${fit.toFixed(1)}  (target <= ${t} us: ${verdict(fit <= t)})`,
      );
    }
  }
  const last = results[results.length - 1];
  const floor = last.m.get(NODE_FLOOR[0]).median;
  console.log(`node -e 0 with ${last.n} extra: ${floor.toFixed(1)} ms`);
}

main()
  .catch((e) => {
    console.error(`bench/scale: ${e.message}`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });
