/**
 * Shared by the bench scripts: timing whole commands side by side with `node -e 0`, in one run, as
 * medians. NODE_EXTRA_CA_CERTS is removed for every side (it costs ~80 ms at any node start and is not
 * whydied's doing); NO_COLOR keeps the output the same whatever the terminal.
 */
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const CLI = path.join(__dirname, '..', 'dist', 'whydied.js');
const NODE_FLOOR = ['node -e 0', [process.execPath, '-e', '0']];

function benchEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/**
 * CPU time (user + system, ms) of this process's waited-for children so far, from /proc/self/stat
 * (cutime + cstime, in clock ticks of 10 ms: meaningful summed over many runs). Wall time on a shared
 * machine moves with everyone else's load; CPU time much less.
 */
function childCpuMs() {
  const stat = require('fs').readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** Wall ms of one run of argv (output discarded). */
function timeOnce(argv, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore', timeout: 600000 });
  if (r.error) throw r.error;
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Runs every case `runs` times, interleaved (case 1, case 2, ..., then again), after one warm-up each,
 * so load from other work on the machine falls on every case alike. Returns medians by case name.
 * A case: [name, argv, env?].
 */
function measure(cases, runs) {
  const times = cases.map(() => []);
  const cpu = cases.map(() => 0);
  for (const [, argv, env] of cases) timeOnce(argv, env ?? benchEnv());
  for (let r = 0; r < runs; r++) {
    cases.forEach(([, argv, env], i) => {
      const c0 = childCpuMs();
      times[i].push(timeOnce(argv, env ?? benchEnv()));
      cpu[i] += childCpuMs() - c0;
    });
  }
  const out = new Map();
  cases.forEach(([name], i) =>
    out.set(name, { median: median(times[i]), min: Math.min(...times[i]), cpu: cpu[i] / runs }),
  );
  return out;
}

function row(cells, widths) {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('');
}

/** PASS/FAIL word for a target line. */
const verdict = (ok) => (ok ? 'met' : 'NOT MET');

/** A real target to diagnose: a sleep in a session of its own; stop() kills it (call it in a finally). */
function liveTarget() {
  const { spawn } = require('child_process');
  const target = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  target.unref();
  return {
    pid: String(target.pid),
    stop() {
      try {
        process.kill(-target.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
}

module.exports = { CLI, NODE_FLOOR, benchEnv, liveTarget, timeOnce, median, measure, row, verdict };
