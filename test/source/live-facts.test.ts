/** Live source + Facts on real processes, including one with a hostile comm and argv[0]. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { decodeSignalMask } from '../../src/source/signals';
import { cleanupProcesses, isAlive, isRoot, readPidFile, startDetached, track, waitFor } from '../helpers/processes';

const HOSTILE_COMM = 'ev) (x\x1b[31m\nn'; // 14 bytes: fits the 15-byte comm limit
const HOSTILE_ARGV0 = 'evil) (x\x1b[31m\nname';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-src-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** python renames itself with PR_SET_NAME (15) and ignores SIGHUP, then sleeps. */
function startRenamed(): number {
  const script = [
    'import ctypes, signal, time',
    'signal.signal(signal.SIGHUP, signal.SIG_IGN)',
    `ctypes.CDLL(None).prctl(15, ${JSON.stringify(HOSTILE_COMM)}.encode(), 0, 0, 0)`,
    'time.sleep(100)',
  ].join('\n');
  return startDetached('python3', ['-c', script]);
}

test('hostile comm from prctl: stat parsed from the last paren, status and signals read', async () => {
  const pid = startRenamed();
  await waitFor(() => fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === `${HOSTILE_COMM}\n`);
  const facts = createFacts(createLiveSource());
  const p = facts.process(pid);
  expect(p).not.toBeNull();
  expect(p?.stat.comm).toBe(HOSTILE_COMM);
  expect(p?.stat.ppid).toBe(process.pid);
  expect(p?.stat.state).toMatch(/^[SR]$/);
  expect(p?.stat.session).toBe(pid); // detached: spawn(detached) calls setsid
  expect(p?.tty.name).toBeNull();
  expect(p?.argv.ok && p.argv.value[0]).toMatch(/python3/); // may be a full path (pyenv shim execs it)
  expect(p?.exe.ok && p.exe.value).toMatch(/python3/);
  // The kernel escapes the newline in status Name, so the line stays one line.
  expect(p?.status.ok && p.status.value.name).toBe(HOSTILE_COMM.replace('\n', '\\n'));
  expect(p?.status.ok && decodeSignalMask(p.status.value.sigIgn)).toContain('SIGHUP');
  expect(p?.status.ok && p.status.value.kthread).toBe(false);
  expect(Math.abs((p?.startedAtMs ?? 0) - Date.now())).toBeLessThan(60_000);
});

test('hostile argv[0] from exec -a, stdio kinds, descendants, and a vanished pid', async () => {
  const pidFile = path.join(tmp, 'argv0.pid');
  const script = `echo $$ > ${pidFile}; exec -a "$(printf 'evil) (x\\033[31m\\nname')" sleep 100`;
  const shell = startDetached('bash', ['-c', script]);
  const pid = await readPidFile(pidFile);
  expect(pid).toBe(shell);
  await waitFor(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('evil'));
  const facts = createFacts(createLiveSource());
  expect(facts.argv(pid)).toEqual({ ok: true, value: [HOSTILE_ARGV0, '100'] });
  expect(facts.stat(pid)).toMatchObject({ ok: true, value: { comm: 'sleep' } });
  const fds = facts.fds(pid);
  expect(fds.ok && fds.value.map((f) => f.kind)).toEqual(['devnull', 'devnull', 'devnull']);
  expect(facts.descendants(process.pid)).toContain(pid);
  expect(facts.processTable().some((s) => s.pid === pid)).toBe(true);

  process.kill(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid));
  const later = createFacts(createLiveSource());
  const gone = later.process(pid);
  // Reaped by node (our child): gone; if not yet reaped it is a zombie.
  expect(gone === null || gone.stat.state === 'Z').toBe(true);
});

test('pipe holders with read/write ends from fdinfo', async () => {
  const pidFile = path.join(tmp, 'pipe.pids');
  const shell = startDetached('bash', ['-c', `sleep 100 | sleep 101 & echo $! > ${pidFile}; wait`]);
  const reader = await readPidFile(pidFile);
  let writer = 0;
  await waitFor(() => {
    const facts = createFacts(createLiveSource());
    writer =
      facts.descendants(shell).find((p) => {
        const argv = facts.argv(p);
        return argv.ok && argv.value[0] === 'sleep' && argv.value[1] === '100';
      }) ?? 0;
    return writer > 0;
  });
  track(writer);
  const facts = createFacts(createLiveSource());
  const stdin = facts.fds(reader);
  expect(stdin.ok && stdin.value[0].kind).toBe('pipe');
  const inode = stdin.ok ? (stdin.value[0].inode ?? 0) : 0;
  const holders = facts.pipeHolders(inode);
  expect(holders).toEqual(
    expect.arrayContaining([
      { pid: reader, fd: 0, mode: 'r' },
      { pid: writer, fd: 1, mode: 'w' },
    ]),
  );
  expect(facts.pipeHolders(inode)).toBe(holders); // memoised
});

test('memory cgroup (v1 limit) of a process placed in a limited cgroup', () => {
  const base = '/sys/fs/cgroup/memory';
  if (!isRoot() || !fs.existsSync(`${base}/memory.limit_in_bytes`)) {
    console.log('skipped: needs root and a cgroup v1 memory controller');
    return;
  }
  const pid = startDetached('sleep', ['100']);
  const facts0 = createFacts(createLiveSource());
  const own = facts0.cgroups(pid);
  const parent = own.ok ? (own.value.find((g) => g.controllers.includes('memory'))?.path ?? '/') : '/';
  const rel = `${parent === '/' ? '' : parent}/whydied-test-${process.pid}`;
  const dir = `${base}${rel}`;
  fs.mkdirSync(dir);
  try {
    fs.writeFileSync(`${dir}/memory.limit_in_bytes`, String(64 * 1024 * 1024));
    fs.writeFileSync(`${dir}/cgroup.procs`, String(pid));
    const m = createFacts(createLiveSource()).memoryCgroup(pid);
    expect(m).toMatchObject({ ok: true, value: { path: rel, limitBytes: 64 * 1024 * 1024, version: 1 } });
    expect(m.ok && m.value.usageBytes).toEqual(expect.any(Number));
  } finally {
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch {
        /* the killed task may not have left the cgroup yet */
      }
    }
  }
});

test('errors are mapped to codes and recorded', () => {
  const live = createLiveSource({ record: true });
  expect(live.readText('/proc/999999999/stat')).toMatchObject({ ok: false, code: 'ENOENT' });
  expect(live.readLink('/nonexistent-whydied')).toMatchObject({ ok: false, code: 'ENOENT' });
  expect(live.listDir('/proc/self/stat')).toMatchObject({ ok: false });
  expect(live.command(['whydied-no-such-binary'])).toMatchObject({ ok: false, code: 'ENOENT' });
  expect(live.command(['sleep', '5'], 200)).toMatchObject({ ok: false, code: 'EOTHER' });
  expect(live.command(['echo', 'a b'])).toEqual({ ok: true, value: 'a b\n' });
  const b = live.snapshot({ query: 'x', pid: null });
  expect(b.texts['/proc/999999999/stat']).toMatchObject({ error: 'ENOENT' });
  expect(b.commands[JSON.stringify(['echo', 'a b'])]).toBe('a b\n');
  expect(b.commands[JSON.stringify(['whydied-no-such-binary'])]).toMatchObject({ error: 'ENOENT' });
});

test('procRoot reads a fake /proc but records the real paths', () => {
  const root = path.join(tmp, 'proc');
  fs.mkdirSync(path.join(root, '4242'), { recursive: true });
  fs.writeFileSync(
    path.join(root, '4242', 'stat'),
    '4242 (fake) S 1 4242 4242 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 500 100 10\n',
  );
  const live = createLiveSource({ procRoot: root, record: true });
  const facts = createFacts(live);
  expect(facts.stat(4242)).toMatchObject({ ok: true, value: { comm: 'fake', startTime: 500 } });
  expect(facts.processTable().map((s) => s.pid)).toEqual([4242]);
  expect(Object.keys(live.snapshot({ query: '4242', pid: 4242 }).texts)).toContain('/proc/4242/stat');
});

test('host facts', () => {
  const h = createFacts(createLiveSource()).host();
  expect(h.bootId).toMatch(/^[0-9a-f-]{36}$/);
  expect(h.kernel).toBe(os.release());
  expect(h.hostname).toBe(os.hostname());
  expect(h.clockTicks).toBe(100);
  expect(h.pidMax).toBeGreaterThan(300);
  expect(Math.abs(h.bootTime * 1000 + h.uptimeSeconds * 1000 - Date.now())).toBeLessThan(5000);
});

test('readKmsg returns kmsg records (and sees a line we log)', () => {
  const live = createLiveSource({ record: true });
  const marker = `whydied-test-marker-${process.pid}-${Date.now()}`;
  let wrote = false;
  if (isRoot()) {
    try {
      fs.writeFileSync('/dev/kmsg', `${marker}\n`);
      wrote = true;
    } catch {
      /* some sandboxes forbid writing */
    }
  }
  const r = live.readKmsg();
  if (!r.ok) {
    console.log(`skipped: /dev/kmsg not readable (${r.message})`);
    return;
  }
  expect(r.value).toMatch(/^\d+,\d+,\d+,[^;]*;/m);
  if (wrote) expect(r.value).toContain(marker);
  expect(live.snapshot({ query: '', pid: null }).kmsg).toBe(r.value);
});

test('kernel thread (pid 2) and a zombie', async () => {
  const facts = createFacts(createLiveSource());
  const kthreadd = facts.process(2);
  expect(kthreadd?.status.ok && kthreadd.status.value.kthread).toBe(true);
  expect(kthreadd?.argv).toEqual({ ok: true, value: [] });

  // The short sleep exits while its parent (exec'd into a long sleep) never reaps it.
  const pidFile = path.join(tmp, 'zombie.pid');
  const parent = startDetached('bash', ['-c', `sleep 0.05 & echo $! > ${pidFile}; exec sleep 100`]);
  const zombie = await readPidFile(pidFile);
  await waitFor(() => {
    const s = createFacts(createLiveSource()).stat(zombie);
    return s.ok && s.value.state === 'Z';
  });
  const later = createFacts(createLiveSource());
  const z = later.process(zombie);
  expect(z?.stat.state).toBe('Z');
  expect(z?.stat.ppid).toBe(parent);
  expect(z?.argv).toEqual({ ok: true, value: [] });
  const fds = later.fds(zombie);
  expect(fds.ok && fds.value.map((f) => f.kind)).toEqual(['closed', 'closed', 'closed']);
});
