#!/usr/bin/env node
/**
 * node-problem-detector custom plugin check: turns whydied's records into node problems.
 * NPD's contract (kubernetes/node-problem-detector pkg/custompluginmonitor/plugin/plugin.go, Plugin.run;
 * types/types.go Status): exit 0 = OK, 1 = NonOK (the problem is there), anything else = Unknown (2 here);
 * stdout, trimmed and cut at max_output_length, is the event's or condition's message. One line, always.
 *
 *   whydied-npd-check.js oom      [--state-dir DIR] [--window SECONDS]   OOM kills recorded in the window
 *   whydied-npd-check.js crash    [--state-dir DIR] [--window SECONDS]   crashes (segfault, trap, SIGABRT...)
 *   whydied-npd-check.js recorder [--state-dir DIR] [--max-age SECONDS]  is the recorder recording?
 *
 * DIR defaults to $WHYDIED_STATE_DIR, else /var/lib/whydied (the recorder's). Reads only the tail of the
 * store (TAIL_BYTES of each file), never follows a link, and escapes process data (names are hostile).
 * Runs with the node that runs whydied (the image's /usr/bin/node, or the host's).
 */
'use strict';
const fs = require('fs');
const path = require('path');

const OK = 0;
const NONOK = 1;
const UNKNOWN = 2;
const TAIL_BYTES = 4 * 1024 * 1024;
const MAX_MESSAGE = 200;
const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT', 'SIGSYS', 'SIGTRAP']);

function out(status, message) {
  const clean = String(message).replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  process.stdout.write((clean.length > MAX_MESSAGE ? clean.slice(0, MAX_MESSAGE - 3) + '...' : clean) + '\n');
  process.exit(status);
}

function parseArgs(argv) {
  const [check, ...rest] = argv;
  if (!['oom', 'crash', 'recorder'].includes(check)) out(UNKNOWN, `usage: whydied-npd-check.js oom|crash|recorder [options]`);
  const o = { check, dir: process.env.WHYDIED_STATE_DIR || '/var/lib/whydied', window: 60, maxAge: 30 };
  for (let i = 0; i < rest.length; i += 2) {
    const [k, v] = [rest[i], rest[i + 1]];
    if (v === undefined) out(UNKNOWN, `${k} needs a value`);
    if (k === '--state-dir') o.dir = v;
    else if ((k === '--window' || k === '--max-age') && /^\d{1,6}$/.test(v) && +v > 0) o[k === '--window' ? 'window' : 'maxAge'] = +v;
    else out(UNKNOWN, `bad option ${k} ${v}`);
  }
  return o;
}

/** The last TAIL_BYTES of a file, read without following a link; null when it does not exist. */
function tail(file) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const text = buf.toString('utf8');
    // A cut first line is not a record.
    return len < size ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    fs.closeSync(fd);
  }
}

function recentRecords(dir, sinceMs) {
  const texts = [tail(path.join(dir, 'records.1.jsonl')), tail(path.join(dir, 'records.jsonl'))];
  if (texts[0] === null && texts[1] === null) return null;
  const recs = [];
  for (const t of texts)
    for (const line of (t || '').split('\n')) {
      if (!line) continue;
      let r;
      try {
        r = JSON.parse(line);
      } catch {
        continue; // a torn line (a writer killed mid-append)
      }
      const at = Date.parse(r && r.seenAt);
      if (r && r.cause && typeof r.comm === 'string' && at >= sinceMs) recs.push(r);
    }
  return recs;
}

const isOom = (r) => r.cause.kind === 'oom-kill';
const isCrash = (r) =>
  r.cause.kind === 'segfault' ||
  r.cause.kind === 'trap' ||
  (r.cause.kind === 'signal' && CRASH_SIGNALS.has(r.cause.signal) && (!r.cause.sender || r.cause.details?.mechanism === 'fault'));

function describe(list, what, windowS) {
  const names = list.slice(-3).map((r) => `${r.comm} (pid ${r.pid}${r.cgroup ? `, cgroup ${r.cgroup}` : ''})`);
  const plural = { 'OOM kill': 'OOM kills', crash: 'crashes' }[what];
  return `${list.length} ${list.length === 1 ? what : plural} in the last ${windowS} s: ${names.join(', ')}${list.length > 3 ? ', ...' : ''}`;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  try {
    if (o.check === 'recorder') {
      const text = tail(path.join(o.dir, 'record.status.json'));
      if (text === null) out(NONOK, `whydied recorder is not running: no status in ${o.dir}`);
      const st = JSON.parse(text);
      const ageS = Math.round((Date.now() - Date.parse(st.updatedAt)) / 1000);
      if (!(ageS <= o.maxAge)) out(NONOK, `whydied recorder is not recording: its status is ${ageS} s old`);
      const lost = (st.lost && st.lost.pipe + st.lost.overrun + st.lost.dropped) || 0;
      out(OK, `whydied recorder is recording: ${st.exits} exits, ${lost} events lost`);
    }
    const since = Date.now() - o.window * 1000;
    const recs = recentRecords(o.dir, since);
    if (recs === null) out(UNKNOWN, `no whydied records in ${o.dir}: is the recorder running?`);
    const hits = recs.filter(o.check === 'oom' ? isOom : isCrash);
    const what = o.check === 'oom' ? 'OOM kill' : 'crash';
    if (hits.length === 0) out(OK, `no ${o.check === 'oom' ? 'OOM kills' : 'crashes'} in the last ${o.window} s`);
    out(NONOK, describe(hits, what, o.window));
  } catch (e) {
    out(UNKNOWN, `cannot read ${o.dir}: ${e.code || e.message}`);
  }
}

main();
