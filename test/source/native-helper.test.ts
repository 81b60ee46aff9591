/**
 * The native helper (native/*.c, built by `npm install`) against the JavaScript readers it stands in
 * for: the same texts for the same files, the same socket and pipe holders, the same kernel log. Real
 * processes: a python holding 300 listening sockets (so /proc/net/tcp is longer than a page) and a pipe,
 * and 80 sleeps (more than the batch threshold).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { nativeHelper } from '../../src/source/native-helper';
import type { RawSource } from '../../src/source/types';
import { cleanupProcesses, isRoot, runCli, startDetached, waitFor } from '../helpers/processes';

const ROOT = path.join(__dirname, '..', '..');
type Rep = { target: { pid: number | null }; state: string };
let python: number;
let ports: number[] = [];
let sleeps: number[] = [];
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'whydied-native-'));
  const portsFile = path.join(dir, 'ports');
  const script = [
    'import os, socket, signal, sys',
    'socks = []',
    'for _ in range(300):',
    '    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); socks.append(s)',
    'r, w = os.pipe()',
    `open(${JSON.stringify(portsFile)} + ".tmp", "w").write(" ".join(str(s.getsockname()[1]) for s in socks))`,
    `os.rename(${JSON.stringify(portsFile)} + ".tmp", ${JSON.stringify(portsFile)})`,
    'signal.pause()',
  ].join('\n');
  python = startDetached('python3', ['-c', script]);
  await waitFor(() => fs.existsSync(portsFile), 10000);
  ports = fs.readFileSync(portsFile, 'utf8').split(' ').map(Number);
  sleeps = Array.from({ length: 80 }, () => startDetached('sleep', ['600']));
  await waitFor(() => sleeps.every((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep')));
}, 30000);

afterAll(() => {
  cleanupProcesses();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The same live source with the native batch readers hidden: the JavaScript path. */
function jsOnly(raw: RawSource): RawSource {
  return { ...raw, readTexts: undefined, socketAndPipeFds: undefined, statFields: undefined, oomScores: undefined };
}

test('npm install built the native helper', () => {
  // Without it everything still works (the JavaScript readers), but slower: the install must build it here.
  expect(nativeHelper()).not.toBeNull();
});

test('readTexts gives what readText gives, file by file, multi-page /proc/net/tcp and missing files included', () => {
  const live = createLiveSource();
  const paths = [
    ...sleeps.flatMap((p) => [`/proc/${p}/stat`, `/proc/${p}/cmdline`, `/proc/${p}/oom_score`]),
    `/proc/${python}/stat`,
    '/proc/net/tcp',
    '/proc/999999999/stat',
    `/proc/${python}/no-such-file`,
  ];
  // /proc/net/tcp also lists other programs' connections, whose timers move between two reads: compare
  // our 300 listeners' lines there, everything else whole.
  const hexPorts = new Set(ports.map((port) => `:${port.toString(16).toUpperCase().padStart(4, '0')}`));
  const ours = (r: ReturnType<typeof live.readText> | undefined): string[] =>
    r?.ok ? r.value.split('\n').filter((l) => hexPorts.has(l.trim().split(/\s+/)[1]?.slice(8) ?? '')) : [];
  const tcpAt = paths.indexOf('/proc/net/tcp');
  // A seq file read in pages while other programs open and close sockets may skip or repeat a line at a
  // page boundary (the kernel resumes by position): a read that lost one of ours is read again.
  let batch: ReturnType<NonNullable<typeof live.readTexts>> | undefined;
  let one: Array<ReturnType<typeof live.readText>> = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    batch = live.readTexts?.(paths);
    one = paths.map((p) => live.readText(p));
    if (ours(batch?.[tcpAt]).length === 300 && ours(one[tcpAt]).length === 300) break;
  }
  expect(batch).toBeDefined();
  expect(batch?.filter((_, i) => i !== tcpAt)).toEqual(one.filter((_, i) => i !== tcpAt));
  // /proc/net/tcp is read to its end, not to the first page: every one of the 300 listeners is in it.
  expect(ours(batch?.[tcpAt])).toHaveLength(300);
  expect(ours(batch?.[tcpAt])).toEqual(ours(one[tcpAt]));
  const missing = batch?.[paths.indexOf('/proc/999999999/stat')];
  expect(missing).toMatchObject({ ok: false, code: 'ENOENT' });
});

test('socket and pipe holders are the same from the native scan and from reading each fd link', () => {
  const live = createLiveSource();
  const native = createFacts(live);
  const js = createFacts(jsOnly(live));
  const listeners = native.tcpListeners().filter((l) => ports.includes(l.port));
  expect(listeners).toHaveLength(ports.length);
  expect(js.tcpListeners().filter((l) => ports.includes(l.port))).toEqual(listeners);
  for (const l of listeners) {
    expect(native.socketHolders(l.inode)).toEqual([python]);
    expect(js.socketHolders(l.inode)).toEqual([python]);
  }
  const pipes = js.fds(python, true);
  expect(pipes.ok).toBe(true);
  const pipeInodes = pipes.ok ? pipes.value.filter((f) => f.kind === 'pipe').map((f) => f.inode as number) : [];
  expect(pipeInodes.length).toBeGreaterThan(0);
  for (const inode of pipeInodes) expect(native.pipeHolders(inode)).toEqual(js.pipeHolders(inode));
});

test('the process table, OOM scores and argv agree between the two paths', () => {
  const live = createLiveSource();
  const native = createFacts(live);
  const js = createFacts(jsOnly(live));
  const mine = (t: ReturnType<typeof native.processTable>) => t.filter((s) => sleeps.includes(s.pid));
  expect(mine(native.processTable())).toEqual(mine(js.processTable()));
  native.readAhead('oom_score', sleeps);
  native.readAhead('cmdline', sleeps);
  for (const pid of sleeps) {
    expect(native.oomScoreOnly(pid)).toEqual(js.oomScoreOnly(pid));
    expect(native.argv(pid)).toEqual(js.argv(pid));
  }
});

test('the numbers-only stat scan and the batch of oom_scores agree with every stat and oom_score read whole', async () => {
  // A comm that looks like the fields after it (prctl PR_SET_NAME): the scan must cut at the LAST ')'.
  const hostile = startDetached('python3', [
    '-c',
    'import ctypes, time\nctypes.CDLL(None).prctl(15, b") S 1 2 3 4", 0, 0, 0)\ntime.sleep(100)',
  ]);
  await waitFor(() => fs.readFileSync(`/proc/${hostile}/comm`, 'utf8') === ') S 1 2 3 4\n');
  const live = createLiveSource();
  const native = createFacts(live);
  const js = createFacts(jsOnly(live));
  const ours = [...sleeps, python, hostile];
  const row = (s: { pid: number; ppid: number; pgrp: number; session: number; flags: number }) => ({
    pid: s.pid,
    ppid: s.ppid,
    pgrp: s.pgrp,
    session: s.session,
    flags: s.flags,
  });
  const fromScan = native
    .processRows()
    .filter((r) => ours.includes(r.pid))
    .map(row);
  expect(fromScan).toHaveLength(ours.length);
  expect(fromScan).toEqual(
    js
      .processTable()
      .filter((s) => ours.includes(s.pid))
      .map(row),
  );
  // Pid order, as the table is sorted; pid 1 (any process, always there) among them.
  const pids = native.processRows().map((r) => r.pid);
  expect(pids).toEqual([...pids].sort((a, b) => a - b));
  expect(pids).toContain(1);
  // oom_score in one batch (more than the batch threshold), a missing pid null.
  const batch = native.oomScores([...sleeps, 999999999]);
  expect(batch.slice(0, -1)).toEqual(
    sleeps.map((p) => (js.oomScoreOnly(p).ok ? (js.oomScoreOnly(p) as { value: number }).value : null)),
  );
  expect(batch[batch.length - 1]).toBeNull();
  // The session of the python (its own: detached) from the scan holds it alone, as the table says.
  expect(native.sessionMembers(python).map((s) => s.pid)).toEqual(js.sessionMembers(python).map((s) => s.pid));
  expect(native.sessionMembers(python).map((s) => s.pid)).toEqual([python]);
  process.kill(hostile, 'SIGKILL');
});

test('a name scan finds what the process table and argv find: comm, argv[0], its basename', async () => {
  // argv[0] set by exec -a: a path whose basename is not the comm, and one with a space and a ')'.
  const marker = `wdn${process.pid}`;
  const byPath = startDetached('bash', ['-c', `exec -a /opt/x/${marker}-path sleep 100`]);
  const odd = startDetached('bash', ['-c', `exec -a '${marker} odd) name' sleep 100`]);
  await waitFor(() =>
    [byPath, odd].every((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(p === odd ? marker : '/opt')),
  );
  const ours = [...sleeps, byPath, odd];
  for (const name of ['sleep', `${marker}-path`, `/opt/x/${marker}-path`, `${marker} odd) name`, 'x', marker]) {
    const live = createLiveSource();
    const native = createFacts(live);
    const js = createFacts(jsOnly(live));
    const a = native.processesNamed(name).filter((p) => ours.includes(p));
    expect(a).toEqual(js.processesNamed(name).filter((p) => ours.includes(p)));
    // The scan's rows serve the process group after it: the same rows as a scan of their own.
    expect(native.processRows().filter((r) => ours.includes(r.pid))).toEqual(
      createFacts(live)
        .processRows()
        .filter((r) => ours.includes(r.pid)),
    );
    if (name === 'sleep') expect(a).toEqual(expect.arrayContaining(sleeps));
    if (name === `${marker}-path` || name === `/opt/x/${marker}-path`) expect(a).toEqual([byPath]);
    if (name === `${marker} odd) name`) expect(a).toEqual([odd]);
    if (name === 'x' || name === marker) expect(a).toEqual([]);
  }
});

test(':PORT finds the holder of the 300th listener, with and without the native helper', () => {
  // Before the fix, /proc/net/tcp was read to its first page only: listeners after the ~27th were "nothing".
  const last = ports[ports.length - 1];
  for (const env of [{}, { WHYDIED_NATIVE: '0' }]) {
    const r = runCli([`:${last}`, '--json', '--only', 'existence'], { env });
    const { reports } = JSON.parse(r.stdout) as { reports: Rep[] };
    expect(reports.map((x) => x.target.pid)).toEqual([python]);
  }
});

test('the kernel log reads the same through the native helper and from JavaScript', () => {
  const read = (env: NodeJS.ProcessEnv): Map<number, string> => {
    const script = `const {createLiveSource}=require(${JSON.stringify(path.join(ROOT, 'dist/src/source/live-source.js'))});
      const r=createLiveSource().readKmsg(); if(!r.ok){process.stderr.write(r.message);process.exit(3)} process.stdout.write(r.value);`;
    const out = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    expect(out.status).toBe(0);
    const bySeq = new Map<number, string>();
    let current = -1;
    for (const line of out.stdout.split('\n')) {
      const m = /^\d+,(\d+),/.exec(line);
      if (m) current = Number(m[1]);
      if (current >= 0) bySeq.set(current, (bySeq.get(current) ?? '') + line + '\n');
    }
    return bySeq;
  };
  const native = read({});
  const js = read({ WHYDIED_NATIVE: '0' });
  // The ring buffer moves between the two reads: compare the records both saw.
  const both = [...native.keys()].filter((s) => js.has(s));
  expect(both.length).toBeGreaterThan(0);
  for (const seq of both) expect(native.get(seq)).toBe(js.get(seq));
});

test('a read ahead that its source never took is not handed to another source: that one reads the log now', async () => {
  if (!isRoot()) {
    console.log('skipped: writing a marker to /dev/kmsg needs root');
    return;
  }
  // A diagnosis that started its read ahead and never asked for the log (--only, an error).
  createLiveSource({ readKmsgAhead: true });
  // The marker goes in after that read has finished, so only a read made later can hold it.
  expect(await waitFor(() => nativeHelper()?.kmsgAheadDone?.() === true)).toBe(true);
  const marker = `whydied-test-marker-${process.pid}-${Date.now()}`;
  fs.writeFileSync('/dev/kmsg', `${marker}\n`);
  const later = createLiveSource().readKmsg();
  expect(later.ok && later.value.includes(marker)).toBe(true);
  // Its own read ahead is what a source reads: made before the second marker, it cannot hold it.
  const own = createLiveSource({ readKmsgAhead: true });
  expect(await waitFor(() => nativeHelper()?.kmsgAheadDone?.() === true)).toBe(true);
  const marker2 = `${marker}-2`;
  fs.writeFileSync('/dev/kmsg', `${marker2}\n`);
  const r = own.readKmsg();
  expect(r.ok && r.value.includes(marker)).toBe(true);
  expect(r.ok && r.value.includes(marker2)).toBe(false);
});
