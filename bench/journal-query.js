#!/usr/bin/env node
/**
 * Journal queries on a large journal, measured inside the booted systemd environment
 * (scripts/systemd-env.sh; root). Fills the journal with LINES lines from a chatty service (rate limit
 * off for that unit), makes two real deaths (a service killed with kill -9 after the fill, and a chatty
 * service's main process), then times, each RUNS times (median and min, ms), inside the container:
 *   node -e 0 (the floor), the bounded queries whydied runs, their unbounded equivalents, and whole
 *   `whydied PID --json` diagnoses of the dead pids.
 * Boots the environment when it is down and powers it off again at the end (left as found otherwise);
 * the fill is vacuumed from the cached root fs's journal afterwards.
 * Usage: node bench/journal-query.js [lines=1000000] [runs=7]   (after `npm install`)
 */
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const LINES = Number(process.argv[2] || 1000000);
const RUNS = Number(process.argv[3] || 7);
const root = path.join(__dirname, '..');
const envScript = path.join(root, 'scripts', 'systemd-env.sh');
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');

function env(...args) {
  const r = spawnSync(envScript, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`systemd-env.sh ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
const inside = (cmd) => env('exec', cmd);

const wasUp = env('status').startsWith('running');
if (!wasUp) env('up');
const tag = `${process.pid}`;
try {
  // A service whose main process logs, then is killed after the fill: its lines are old news by then.
  inside(`systemd-run -q --unit=wd-bench-victim-${tag} sh -c 'echo victim up; exec sleep 100000'`);
  const victim = inside(`systemctl show wd-bench-victim-${tag} -p MainPID --value`);
  const t0 = Date.now();
  // journald's rate limit is off in the environment (its journald.conf.d drop-in); an environment booted
  // before that drop-in existed gets it now.
  inside(
    `grep -q RateLimitIntervalSec=0 /etc/systemd/journald.conf.d/50-whydied-test.conf || { printf 'RateLimitIntervalSec=0\\n' >> /etc/systemd/journald.conf.d/50-whydied-test.conf; systemctl restart systemd-journald; }`,
  );
  // The main process itself writes every line (awk is in every Debian): its pid owns all the entries. A
  // script file, since systemd-run's command line gets unit-file `$` expansion.
  const script = `echo $$ > /run/wd-bench-fill.pid\nexec awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) print "bench filler line with some text to make it look like a real log line " i; system("sleep 1") }'\n`;
  inside(`echo ${Buffer.from(script).toString('base64')} | base64 -d > /run/wd-bench-fill.sh`);
  inside(`systemd-run -q --wait --unit=wd-bench-fill-${tag} /bin/sh /run/wd-bench-fill.sh >/dev/null`);
  // journald ingests asynchronously: wait until the last line is in.
  inside(
    `for i in $(seq 1 1500); do journalctl -q -u wd-bench-fill-${tag} -n 1 -o cat | grep -q " ${LINES}$" && exit 0; sleep 0.2; done; exit 1`,
  );
  const fillMs = Date.now() - t0;
  inside(
    `kill -9 ${victim}; for i in $(seq 1 100); do systemctl is-failed -q wd-bench-victim-${tag} && exit 0; sleep 0.1; done`,
  );
  const fillPid = inside('cat /run/wd-bench-fill.pid');
  const usage = inside('journalctl --disk-usage');
  const entries = inside('journalctl -q -b 0 -o cat | wc -l');

  const F =
    'MESSAGE,_PID,_COMM,SYSLOG_IDENTIFIER,_BOOT_ID,UNIT,USER_UNIT,_SYSTEMD_UNIT,_SYSTEMD_USER_UNIT,COREDUMP_PID,COREDUMP_COMM,COREDUMP_SIGNAL_NAME,COREDUMP_SIGNAL,COREDUMP_UID,COREDUMP_UNIT,EXIT_CODE,EXIT_STATUS,SESSION_ID';
  const J = ['journalctl', '-o', 'json', `--output-fields=${F}`, '-q', '--no-pager', '-b', '0'];
  const fillUnit = `wd-bench-fill-${tag}.service`;
  const cases = [
    ['node -e 0 (floor)', ['node', '-e', '0']],
    ['bounded: _PID=victim -n 50', [...J, '-n', '50', `_PID=${victim}`]],
    ['bounded: _PID=filler -n 50', [...J, '-n', '50', `_PID=${fillPid}`]],
    ['bounded: UNIT=filler + USER_UNIT -n 20', [...J, '-n', '20', `UNIT=${fillUnit}`, '+', `USER_UNIT=${fillUnit}`]],
    ['bounded: COREDUMP_PID= -n 5', [...J, '-n', '5', `COREDUMP_PID=${victim}`]],
    [
      'bounded: earlyoom + oomd -n 100',
      [...J, '-n', '100', 'SYSLOG_IDENTIFIER=earlyoom', '+', 'SYSLOG_IDENTIFIER=systemd-oomd'],
    ],
    [
      'unbounded: -u filler (old query) [1 run]',
      ['journalctl', '-o', 'json', '-q', '--no-pager', '-b', '0', '-u', fillUnit],
    ],
    [
      'unbounded: _PID=filler all fields [1 run]',
      ['journalctl', '-o', 'json', '-q', '--no-pager', '-b', '0', `_PID=${fillPid}`],
    ],
    [
      'systemctl show *.service (ExecMainPID)',
      ['systemctl', 'show', '--no-pager', '--timestamp=unix', '-p', 'Id,ExecMainPID,MainPID', '--', '*.service'],
    ],
    ['whydied <victim> --json (dead, kill -9)', ['node', cli, victim, '--json']],
    ['whydied <filler> --json (dead, chatty)', ['node', cli, fillPid, '--json']],
    [`whydied wd-bench-victim.service --json`, ['node', cli, `wd-bench-victim-${tag}.service`, '--json']],
  ];
  // The timing loop runs inside (no nsenter cost in the figures).
  const timer = `
const { spawnSync } = require('child_process');
const cases = ${JSON.stringify(cases)};
const env = { ...process.env, NO_COLOR: '1', WHYDIED_STATE_DIR: require('fs').mkdtempSync('/tmp/wd-bench-') };
delete env.NODE_EXTRA_CA_CERTS;
const rows = [];
for (const [name, argv] of cases) {
  const ms = []; let bytes = 0;
  // The unbounded queries take tens of seconds on a big journal: one run each is enough to see it.
  const runs = name.includes('[1 run]') ? 1 : ${RUNS};
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { env, maxBuffer: 1 << 30 });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    bytes = r.stdout ? r.stdout.length : 0;
  }
  ms.sort((a, b) => a - b);
  rows.push([name, ms[0], ms[Math.floor(ms.length / 2)], bytes]);
}
const floor = rows[0][2];
console.log('case'.padEnd(44) + 'min ms'.padStart(9) + 'median ms'.padStart(11) + 'x node'.padStart(8) + 'stdout'.padStart(11));
for (const [name, min, med, bytes] of rows) {
  console.log(name.padEnd(44) + min.toFixed(1).padStart(9) + med.toFixed(1).padStart(11) + (med / floor).toFixed(2).padStart(8) + String(bytes).padStart(11));
}`;
  const b64 = Buffer.from(timer).toString('base64');
  console.log(
    `journal: ${entries.trim()} entries this boot (${usage}); filled ${LINES} lines in ${(fillMs / 1000).toFixed(1)} s; runs per case: ${RUNS}`,
  );
  console.log(inside(`echo ${b64} | base64 -d > /tmp/wd-bench.js && node /tmp/wd-bench.js`));
} finally {
  try {
    inside(
      `systemctl stop wd-bench-victim-${tag} 2>/dev/null; systemctl reset-failed 2>/dev/null; journalctl --rotate -q; journalctl --vacuum-time=1s -q; true`,
    );
  } finally {
    if (!wasUp) env('down');
  }
}
