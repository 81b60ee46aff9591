/**
 * Shared by the recorder's exit-storm benches (record-throughput.js, recorder-exit-storm.js): a C forker whose
 * workers posix_spawn a program at a paced rate, a one-instruction static program, the recorder started into
 * a temp state dir, and reading back what it wrote. Root only (the recorder uses tracefs).
 */
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

/** Clock ticks per second of /proc/PID/stat's utime and stime. */
const TICKS = 100;

/** Prints one line per worker: `pid spawned seconds`. */
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
      printf("%d %ld %.3f\\n", getpid(), n, now() - start); fflush(stdout); _exit(0);
    }
  }
  while (wait(NULL) > 0) {}
  return 0;
}
`;

/** exit_group(0) and nothing else: no loader, no libc (x86-64). */
const TINY_C = 'void _start(void) { __asm__ volatile("mov $231, %eax\\n xor %edi, %edi\\n syscall"); }\n';

function requireRoot(name) {
  if (process.getuid() !== 0) {
    console.error(`${name}: needs root (the recorder uses tracefs)`);
    process.exit(2);
  }
}

function compile(dir, name, source, flags = []) {
  const bin = path.join(dir, name);
  fs.writeFileSync(`${bin}.c`, source);
  const r = spawnSync('cc', ['-O2', ...flags, '-o', bin, `${bin}.c`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cc (${name}) failed: ${r.stderr}`);
  return bin;
}

const buildForker = (dir) => compile(dir, 'forker', FORKER_C);
const buildTiny = (dir) => compile(dir, 'tiny', TINY_C, ['-static', '-nostdlib']);

/** Runs the forker; its workers as `{pid, n, secs}`. */
function storm(forker, rate, seconds, workers, prog) {
  const run = spawnSync(forker, [String(rate), String(seconds), String(workers), prog], { encoding: 'utf8' });
  return run.stdout
    .trim()
    .split('\n')
    .map((l) => {
      const [pid, n, secs] = l.split(' ').map(Number);
      return { pid, n, secs };
    });
}

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

/** `whydied record` into `state`, started once it says so; `stop()` waits for its clean exit. */
async function startRecorder(cli, state) {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS; // it costs ~80 ms at every node start here: not whydied's doing
  let log = '';
  const rec = spawn(process.execPath, [cli, 'record', '--state-dir', state, '--cap-mb', '512'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  rec.stderr.on('data', (d) => (log += d));
  const stop = async () => {
    if (rec.exitCode !== null || rec.signalCode !== null) return;
    rec.kill('SIGTERM');
    await new Promise((r) => rec.on('exit', r));
  };
  if (!(await waitFor(() => /recording: instance/.test(log), 20000))) {
    await stop();
    throw new Error(`the recorder did not start: ${log}`);
  }
  return { rec, stop };
}

/** The recorder's final status (written on its clean stop). */
const readStatus = (state) => JSON.parse(fs.readFileSync(path.join(state, 'record.status.json'), 'utf8'));

module.exports = {
  TICKS,
  requireRoot,
  buildForker,
  buildTiny,
  storm,
  cpuTicks,
  sleep,
  waitFor,
  readRecords,
  startRecorder,
  readStatus,
};
