#!/usr/bin/env node
/**
 * Kernel-log parse throughput: generate ~200 MB of realistic /dev/kmsg text (mostly driver noise
 * and call-trace lines, with OOM-kill blocks, segfaults and traps sprinkled in), then time the
 * whole parse (keyword pre-filter + per-format regexes + incident grouping) with the compiled
 * dist module. Prints MB/s. Usage: node bench/kernel-log-parse.js [MB]   (build first: npx tsc -p .)
 */
'use strict';
const path = require('path');
const { scanKernelText } = require(path.join(__dirname, '../dist/src/source/kernel-log/records'));
const { buildIncidents, locateEvents } = require(path.join(__dirname, '../dist/src/source/kernel-log/incidents'));

const targetMb = Number(process.argv[2] || 200);
const NOISE = [
  'usb 1-1: new high-speed USB device number 2 using xhci_hcd',
  'EXT4-fs (vda): mounted filesystem 00000000-0000-0000-0000-000000000000 r/w without journal. Quota mode: none.',
  'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready',
  'audit: type=1400 audit(1700000000.123:45): apparmor="STATUS" operation="profile_load" name="/usr/bin/man"',
  ' dump_stack_lvl+0x57/0x80',
  ' __handle_mm_fault+0xa1e/0xf40',
  'RAX: 0000000000000000 RBX: 00007f4e2cb51ef0 RCX: 000000000001c010',
  'nf_conntrack: default automatic helper assignment has been turned off for security reasons',
  'systemd[1]: Started Session 42 of User alice.',
  'TCP: request_sock_TCP: Possible SYN flooding on port 8080. Sending cookies.',
];
function oomBlock(pid) {
  return [
    'python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0',
    `CPU: 1 UID: 0 PID: ${pid} Comm: python3 Not tainted 6.18.44 #1 PREEMPT(none)`,
    ' dump_header+0x43/0x1c0',
    'memory: usage 40960kB, limit 40960kB, failcnt 91',
    `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/app,task_memcg=/app,task=python3,pid=${pid},uid=0`,
    `Memory cgroup out of memory: Killed process ${pid} (python3) total-vm:50488kB, anon-rss:40576kB, file-rss:6588kB, shmem-rss:0kB, UID:0 pgtables:144kB oom_score_adj:0`,
  ];
}

// Build the text from a 1 MB chunk repeated (string concatenation of ~2M lines would dominate the run).
let seq = 0;
let usec = 1000000;
const lines = [];
let size = 0;
let incidents = 0;
while (size < 1024 * 1024) {
  let msgs;
  const r = seq % 400;
  if (r === 0) msgs = oomBlock(1000 + seq);
  else if (r === 100)
    msgs = [
      `worker[${2000 + seq}]: segfault at 0 ip 00007f3f65f85ad8 sp 00007ffc62cb9528 error 4 in libc.so.6[167ad8,7f3f65e44000+156000] likely on CPU 1 (core 1, socket 0)`,
    ];
  else if (r === 200)
    msgs = [
      `traps: dz[${3000 + seq}] trap divide error ip:55781d86414b sp:7fff90c035d0 error:0 in dz[114b,55781d864000+1000]`,
    ];
  else msgs = [NOISE[seq % NOISE.length]];
  if (r === 0 || r === 100 || r === 200) incidents++;
  for (const m of msgs) {
    const l = `6,${seq++},${(usec += 137)},-;${m}\n`;
    lines.push(l);
    size += l.length;
  }
}
const chunk = lines.join('');
const copies = Math.max(1, Math.round((targetMb * 1024 * 1024) / chunk.length));
const text = chunk.repeat(copies);
const mb = text.length / 1024 / 1024;

const clock = { bootTimeMs: 1700000000000, currentBootId: null };
function run() {
  const t0 = process.hrtime.bigint();
  const scan = scanKernelText(text, 'kmsg', clock);
  const inc = buildIncidents(locateEvents(scan.records));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, records: scan.records.length, deaths: inc.deaths.length };
}
run(); // warm-up (JIT)
const runs = [run(), run(), run()];
const best = runs.reduce((a, b) => (a.ms < b.ms ? a : b));
const expected = incidents * copies;
console.log(
  `kernel-log parse: ${mb.toFixed(1)} MB (${(text.split('\n').length - 1).toLocaleString()} lines), ${best.records} candidate records, ${best.deaths} deaths (expected ${expected})`,
);
console.log(
  `  runs: ${runs.map((r) => r.ms.toFixed(0)).join(' / ')} ms; best ${(mb / (best.ms / 1000)).toFixed(0)} MB/s`,
);
if (best.deaths !== expected) {
  console.error('MISMATCH: deaths found differ from deaths generated');
  process.exitCode = 1;
}
