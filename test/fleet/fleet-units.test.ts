/**
 * The fleet outputs' parts on their own: comm cardinality cap and label escaping, container identity from
 * real runtime cgroup path shapes, the journal sender (perl helper, real unix datagram sockets) falling back
 * to syslog and sending binary-safe fields, the hook's timeout and concurrency bound, and bad --output.
 */
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DeathCounters, labelValue } from '../../src/fleet/prom';
import { toDeathEvent, DeathEvent } from '../../src/fleet/death-event';
import { JournalSender, perlPath, encodeNative } from '../../src/fleet/journal';
import { DeathHook, MAX_RUNNING } from '../../src/fleet/hook';
import { containerFromCgroup, parseNsPid } from '../../src/source/container-id';
import type { DeathRecord } from '../../src/source/records/types';
import { parseExposition } from '../helpers/prom-parse';
import { cleanupProcesses, isAlive, runCli, track, waitFor } from '../helpers/processes';

const T = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fleet-unit-'));
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(T, { recursive: true, force: true });
});

function event(comm: string, over: Partial<DeathRecord['cause']> = {}, pid = 4242): DeathEvent {
  const rec: DeathRecord = {
    v: 1,
    pid,
    startTime: 100,
    bootId: 'b',
    comm,
    argvHead: [comm],
    ppid: 1,
    pgid: pid,
    sid: pid,
    tty: null,
    cgroup: '/',
    cause: {
      kind: 'signal',
      signal: 'SIGTERM',
      source: 'record',
      sender: { pid: 7, comm: 'kill' },
      details: { mechanism: 'kill', groupDirected: false },
      ...over,
    },
    seenAt: new Date().toISOString(),
  };
  return toDeathEvent(rec, { hostname: 'h', bootId: 'b' });
}

describe('metrics', () => {
  it('caps distinct comm values and folds the rest into comm="other"; the exposition stays strictly valid', () => {
    const c = new DeathCounters(3);
    for (let i = 0; i < 1000; i++) c.add(event(`w${i}`));
    c.add(event('w0'));
    const exp = parseExposition(c.render({ events: 1001, lost: 0, lagSeconds: 0.25, hooksDropped: 2 }));
    const deaths = exp.samples.filter((s) => s.name === 'whydied_deaths_total');
    expect(deaths.map((s) => s.labels.comm).sort()).toEqual(['other', 'w0', 'w1', 'w2']);
    expect(deaths.find((s) => s.labels.comm === 'other')?.value).toBe(997);
    expect(deaths.find((s) => s.labels.comm === 'w0')?.value).toBe(2);
    expect(exp.samples.find((s) => s.name === 'whydied_recorder_hook_dropped_total')?.value).toBe(2);
  });

  it('escapes label values as the format requires and hides control and bidi characters', () => {
    expect(labelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(labelValue('x\u001b[31m\u202ey')).toBe('x?[31m?y');
    const c = new DeathCounters();
    c.add(event('a"b\\c\nd\u001b'));
    expect(
      parseExposition(c.render({ events: 1, lost: 0, lagSeconds: 0, hooksDropped: 0 })).samples[0].labels.comm,
    ).toBe('a"b\\c\nd?');
  });
});

describe('container identity from cgroup paths', () => {
  const id = 'a'.repeat(64);
  it.each([
    [`/docker/${id}`, { runtime: 'docker', id, pod: null }],
    [`/system.slice/docker-${id}.scope`, { runtime: 'docker', id, pod: null }],
    [`/machine.slice/libpod-${id}.scope/container`, { runtime: 'podman', id, pod: null }],
    [
      `/kubepods/besteffort/pod0f5e6a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b/${id}`,
      { runtime: 'kubernetes', id, pod: { uid: '0f5e6a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b', qos: 'besteffort' } },
    ],
    [
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f5e6a3c_1b2d_4e5f_8a9b_0c1d2e3f4a5b.slice/cri-containerd-${id}.scope`,
      { runtime: 'containerd', id, pod: { uid: '0f5e6a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b', qos: 'burstable' } },
    ],
    [
      `/kubepods.slice/kubepods-pod0f5e6a3c_1b2d_4e5f_8a9b_0c1d2e3f4a5b.slice/crio-${id}.scope`,
      { runtime: 'cri-o', id, pod: { uid: '0f5e6a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b', qos: 'guaranteed' } },
    ],
  ])('%s', (p, want) => {
    expect(containerFromCgroup(p)).toMatchObject({ ...want, name: null });
  });
  it('is null for host paths', () => {
    expect(containerFromCgroup('/user.slice/user-0.slice/session-3.scope')).toBeNull();
    expect(containerFromCgroup('/')).toBeNull();
    expect(containerFromCgroup(null)).toBeNull();
  });
  it('reads NSpid from a live process in a new PID namespace', () => {
    expect(parseNsPid(fs.readFileSync('/proc/self/status', 'utf8'))).toEqual([process.pid]);
    expect(parseNsPid('NSpid:\t4242\t1\n')).toEqual([4242, 1]);
    expect(parseNsPid('Name:\tx\n')).toBeNull();
  });
});

const perl = perlPath();
(perl ? describe : describe.skip)('journal sender (real unix datagram sockets)', () => {
  const servers: ChildProcess[] = [];
  async function server(mode: string, name: string): Promise<{ sock: string; out: string }> {
    const sock = path.join(T, `${name}.sock`);
    const out = path.join(T, `${name}.out`);
    const p = spawn('python3', [path.join(__dirname, 'fake-journald.py'), mode, sock, out], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    track(p.pid as number);
    servers.push(p);
    await new Promise<void>((r) => p.stdout?.once('data', () => r()));
    return { sock, out };
  }
  const read = (f: string): Array<Record<string, string>> =>
    fs.existsSync(f)
      ? fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, string>)
      : [];

  it('sends binary-safe fields (a newline in a comm) in the native protocol', async () => {
    const j = await server('native', 'j1');
    const s = new JournalSender(perl as string, j.sock, path.join(T, 'none.sock'), () => undefined);
    s.send(event('evil\nPRIORITY=0'));
    await s.settled();
    await s.close();
    expect(s.stats).toEqual({ journal: 1, syslog: 0, failed: 0 });
    const [e] = read(j.out);
    expect(e.WHYDIED_COMM).toBe('evil\nPRIORITY=0');
    expect(e.PRIORITY).toBe('4');
    expect(encodeNative([['A', 'x\ny']]).toString('latin1')).toBe(
      'A\n\u0003\u0000\u0000\u0000\u0000\u0000\u0000\u0000x\ny\n',
    );
  });

  it('falls back to syslog (RFC 3164 on the syslog socket) when the journal socket is missing', async () => {
    const sl = await server('syslog', 's1');
    const s = new JournalSender(perl as string, path.join(T, 'no-journal.sock'), sl.sock, () => undefined);
    s.send(event('victim', { kind: 'oom-kill', signal: 'SIGKILL', sender: undefined, details: {} }));
    await s.settled();
    await s.close();
    expect(s.stats).toEqual({ journal: 0, syslog: 1, failed: 0 });
    const [e] = read(sl.out);
    // daemon (3) * 8 + err (3) = 27
    expect(e.raw).toMatch(
      /^<27>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d whydied\[\d+\]: victim \(pid 4242\) was killed by the kernel OOM killer$/,
    );
  });

  afterAll(() => {
    for (const p of servers) p.kill('SIGKILL');
  });
});

describe('--on-death hook', () => {
  it('kills a hook (and its group) that runs past the timeout', async () => {
    const pidFile = path.join(T, 'slow.pid');
    const h = new DeathHook(`sleep 30 & echo $! > ${pidFile}; wait`, () => undefined, 300);
    h.push(event('x'));
    expect(await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '')).toBe(true);
    const sleeper = Number(fs.readFileSync(pidFile, 'utf8'));
    track(sleeper);
    await h.drained();
    expect(h.stats.timedOut).toBe(1);
    expect(await waitFor(() => !isAlive(sleeper))).toBe(true);
    await h.close();
  });

  it(`runs at most ${MAX_RUNNING} hooks at once and queues the rest`, async () => {
    const log = path.join(T, 'conc.log');
    const h = new DeathHook(`echo start >> ${log}; sleep 0.3; echo end >> ${log}`, () => undefined, 5000);
    for (let i = 0; i < 10; i++) h.push(event('x', {}, 1000 + i));
    await h.drained();
    await h.close();
    let running = 0;
    let max = 0;
    for (const l of fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
      running += l === 'start' ? 1 : -1;
      max = Math.max(max, running);
    }
    expect(h.stats.started).toBe(10);
    expect(max).toBe(MAX_RUNNING);
  });
});

describe('bad --output', () => {
  it.each([
    [['record', '--output', 'bogus']],
    [['record', '--output', 'prom']],
    [['run', '--output', 'prom=/tmp', '--', 'true']],
    [['run', '--output', '', '--', 'true']],
  ])('%j: one line, exit 2, nothing run', (args) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
