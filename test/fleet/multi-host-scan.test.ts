/**
 * `whydied scan --deaths` over what a pipeline gathers from several hosts. Three hosts, each its own UTS,
 * PID and mount namespace (`unshare --uts --pid --fork --mount-proc`) with its own hostname; each has its
 * recorder (the built CLI, its own state dir) in its UTS namespace with the node's PID view, as the DaemonSet
 * runs it (hostPID). Processes started inside each host (nsenter) die for real (SIGTERM and SIGKILL from
 * kill(1), exit code 3); each host's JSON lines are collected, concatenated, and summarized by the CLI
 * (file and stdin) and the library.
 *
 * One machine, one kernel: every recorder traces every exit on it. A real node's recorder sees only its
 * own, so the collection keeps, from each host's lines, the deaths of processes that lived in that host's
 * PID namespace (their host pids, read from /proc while they lived) - what each host would have sent.
 * Recorders are stopped with SIGTERM; an instance one could not remove is removed here.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import { descendantsOf, isRoot, runCli, track, waitFor, cleanupProcesses } from '../helpers/processes';
import { scanFleetDeaths } from '../../src/index';

const CLI = path.resolve(__dirname, '../../dist/whydied.js');
const hasUnshare = spawnSync('sh', ['-c', 'command -v unshare && command -v nsenter']).status === 0;
// The victims inherit this process's cgroup: under a unit of its own (a CI runner's .service) that unit,
// not the program, would be their service.
const ownCgroup = /^0::(.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
const inUnit = /\.service(\/|$)/.test(ownCgroup);
const ok = isRoot() && hasUnshare && !inUnit;
if (!ok)
  console.log(
    `skipping the multi-host scan test: needs root, unshare/nsenter, and a cgroup outside a .service (root=${isRoot()}, cgroup ${ownCgroup})`,
  );
const maybe = ok ? describe : describe.skip;

const T = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-multihost-'));
const HOSTS = ['fleet-host-a', 'fleet-host-b', 'fleet-host-c'];

interface Host {
  name: string;
  unshare: ChildProcess;
  recorderPid: number;
  /** A process inside the host's namespaces (nsenter's target). */
  holder: number;
  out: string;
  log: string;
  state: string;
  instance: string | null;
  /** Host pids of the processes that lived in this host's PID namespace. */
  pids: Set<number>;
}
const hosts: Host[] = [];

function comm(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Not gone and not a zombie (this file's event loop is busy while it waits: nothing reaps meanwhile). */
function running(pid: number): boolean {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(st.slice(st.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function startHost(name: string): Promise<Host> {
  const state = path.join(T, name, 'state');
  fs.mkdirSync(state, { recursive: true, mode: 0o700 });
  const out = path.join(T, name, 'deaths.jsonl');
  const log = path.join(T, name, 'record.log');
  // The host: its own UTS (hostname), PID and mount (/proc) namespaces, held open by a sleep.
  const unshare = spawn(
    'unshare',
    ['--uts', '--pid', '--fork', '--mount-proc', '--', 'sh', '-c', `hostname ${name} && exec sleep 100000`],
    { stdio: 'ignore' },
  );
  track(unshare.pid as number);
  let holder = 0;
  await waitFor(
    () => {
      holder = descendantsOf(unshare.pid as number).find((p) => comm(p) === 'sleep') ?? 0;
      return holder > 0;
    },
    5000,
    10,
  );
  if (!holder) throw new Error(`${name}: the namespaces did not come up`);
  // Its recorder, as the DaemonSet runs it: the host's name, the node's PID view (hostPID: true). A recorder
  // inside a PID namespace of its own would name its tracing instance after a pid that means another
  // process to every other whydied on the machine (which would sweep it away as stale).
  const rec = spawn(
    'nsenter',
    [
      '--target',
      String(holder),
      '--uts',
      '--',
      process.execPath,
      CLI,
      'record',
      '--state-dir',
      state,
      '--output',
      'store,jsonl',
    ],
    { stdio: ['ignore', fs.openSync(out, 'w'), fs.openSync(log, 'w')] },
  );
  track(rec.pid as number);
  const h: Host = {
    name,
    unshare,
    recorderPid: rec.pid as number,
    holder,
    out,
    log,
    state,
    instance: null,
    pids: new Set(),
  };
  hosts.push(h);
  const up = await waitFor(() => /recording: instance (\S+),/.test(fs.readFileSync(log, 'utf8')), 30000, 100);
  if (!up) throw new Error(`${name}: recorder did not start: ${fs.readFileSync(log, 'utf8')}`);
  h.instance = /recording: instance (\S+),/.exec(fs.readFileSync(log, 'utf8'))![1];
  return h;
}

/** Run BIN (a copy named for its service) inside the host's namespaces; resolves with its host pid. */
async function startIn(h: Host, bin: string, args: string[]): Promise<number> {
  const ns = spawn('nsenter', ['--target', String(h.holder), '--pid', '--uts', '--mount', '--', bin, ...args], {
    stdio: 'ignore',
  });
  track(ns.pid as number);
  let pid = 0;
  const want = path.basename(bin);
  await waitFor(
    () => {
      pid = descendantsOf(ns.pid as number).find((p) => comm(p) === want) ?? 0;
      return pid > 0;
    },
    5000,
    5,
  );
  if (!pid) throw new Error(`${want} did not start in ${h.name}`);
  h.pids.add(pid);
  return pid;
}

function killWith(sig: string, pid: number): void {
  // kill(1): the sender every death names (comm "kill").
  expect(spawnSync('/bin/kill', [`-${sig}`, String(pid)]).status).toBe(0);
}

function stopHosts(): void {
  for (const h of hosts) {
    if (h.recorderPid) {
      try {
        process.kill(h.recorderPid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline && hosts.some((h) => h.recorderPid && running(h.recorderPid)))
    spawnSync('sleep', ['0.1']);
  for (const h of hosts) {
    // Only if the recorder could not remove its own instance.
    if (h.instance && fs.existsSync(`/sys/kernel/tracing/instances/${h.instance}`)) {
      fs.rmdirSync(`/sys/kernel/tracing/instances/${h.instance}`);
    }
  }
}

afterAll(() => {
  stopHosts();
  cleanupProcesses();
  fs.rmSync(T, { recursive: true, force: true });
});

const ajv = new Ajv2020({ strict: false });
const validDeath = ajv.compile(
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../schema/death.schema.json'), 'utf8')),
);
const validSummary = ajv.compile(
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../schema/fleet-deaths.schema.json'), 'utf8')),
);

maybe('scan --deaths over three hosts', () => {
  let gathered = '';

  beforeAll(async () => {
    for (const name of HOSTS) await startHost(name);
    const api = path.join(T, 'api');
    const worker = path.join(T, 'worker');
    fs.copyFileSync('/usr/bin/sleep', api);
    fs.copyFileSync('/usr/bin/sleep', worker);
    const apiSh = path.join(T, 'apish');
    fs.copyFileSync('/bin/dash', apiSh);
    for (const f of [api, worker, apiSh]) fs.chmodSync(f, 0o755);
    const [a, b, c] = hosts;
    // host a: two SIGTERMs and an exit 3; host b: a SIGTERM, a SIGKILL and the worker's SIGTERM; host c: an exit 3.
    const plan: Array<[Host, string, string]> = [
      [a, api, 'TERM'],
      [a, api, 'TERM'],
      [b, api, 'TERM'],
      [b, api, 'KILL'],
      [b, worker, 'TERM'],
    ];
    for (const [h, bin, sig] of plan) killWith(sig, await startIn(h, bin, ['3600']));
    // dash named "apish" exits 3 by itself after its sleep child (not counted: it exits 0).
    await startIn(a, apiSh, ['-c', 'sleep 0.3; exit 3']);
    await startIn(c, apiSh, ['-c', 'sleep 0.3; exit 3']);
    const expected = new Map(hosts.map((h) => [h, h.pids.size]));
    // Each host's own deaths reach its JSON lines (the recorder flushes stdout as it goes).
    const arrived = await waitFor(
      () =>
        hosts.every(
          (h) =>
            fs
              .readFileSync(h.out, 'utf8')
              .split('\n')
              .filter((l) => l && h.pids.has((JSON.parse(l) as { pid: number }).pid)).length === expected.get(h),
        ),
      20000,
      100,
    );
    if (!arrived)
      throw new Error(
        hosts
          .map(
            (h) =>
              `${h.name}: pids ${[...h.pids].join(' ')}; missing ${[...h.pids]
                .filter((p) => !fs.readFileSync(h.out, 'utf8').includes(`"pid":${p},`))
                .map((p) =>
                  hosts
                    .map((x) =>
                      fs
                        .readFileSync(x.out, 'utf8')
                        .split('\n')
                        .filter((l) => l.includes(`"pid":${p},`))
                        .join(' '),
                    )
                    .join(' || '),
                )}; lines ${fs
                .readFileSync(h.out, 'utf8')
                .split('\n')
                .filter((l) => [...h.pids].some((p) => l.includes(`"pid":${p},`)))
                .join(' | ')}; log ${fs.readFileSync(h.log, 'utf8')}`,
          )
          .join('\n'),
      );
    stopHosts();
    // The pipeline: each host's lines about its own processes, concatenated.
    gathered = hosts
      .map((h) =>
        fs
          .readFileSync(h.out, 'utf8')
          .split('\n')
          .filter((l) => l && h.pids.has((JSON.parse(l) as { pid: number }).pid))
          .join('\n'),
      )
      .join('\n');
  }, 120000);

  it('every gathered line is a whydied.death/1 event named after its host (UTS namespace)', () => {
    const lines = gathered.split('\n').map((l) => JSON.parse(l) as { host: { hostname: string }; pid: number });
    expect(lines).toHaveLength(7);
    for (const l of lines) {
      expect(validDeath(l)).toBe(true);
      const h = hosts.find((x) => x.pids.has(l.pid)) as Host;
      expect(l.host.hostname).toBe(h.name);
    }
  });

  it('the CLI answers by service, host and cause (file), and the same from stdin', () => {
    const file = path.join(T, 'gathered.jsonl');
    fs.writeFileSync(file, gathered + '\n');
    const r = runCli(['scan', '--deaths', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as {
      deaths: number;
      hosts: string[];
      services: Array<{
        service: string;
        deaths: number;
        hosts: Array<{ hostname: string; deaths: number }>;
        causes: Array<{ cause: string; count: number }>;
        summary: string;
      }>;
    };
    expect(validSummary(s)).toBe(true);
    expect(s.deaths).toBe(7);
    expect(s.hosts).toEqual(HOSTS);
    const api = s.services.find((x) => x.service === 'api')!;
    expect(api.deaths).toBe(4);
    expect(api.hosts).toEqual([
      expect.objectContaining({ hostname: 'fleet-host-a', deaths: 2 }),
      expect.objectContaining({ hostname: 'fleet-host-b', deaths: 2 }),
    ]);
    expect(api.causes.map((c) => [c.cause, c.count])).toEqual([
      ['SIGTERM by kill', 3],
      ['SIGKILL by kill', 1],
    ]);
    expect(api.summary).toMatch(
      /^api died 4 times on 2 hosts in the last \d+ min: 3 SIGTERM by kill, 1 SIGKILL by kill$/,
    );
    const sh = s.services.find((x) => x.service === 'apish')!;
    expect(sh.summary).toMatch(/^apish died 2 times on 2 hosts in the last \d+ min: 2 exits with code 3$/);
    const w = s.services.find((x) => x.service === 'worker')!;
    expect(w.summary).toMatch(/^worker died once on 1 host in the last \d+ min: 1 SIGTERM by kill$/);

    const text = runCli(['scan', '--deaths', '-'], { input: gathered });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^7 deaths on 3 hosts, 3 services\n/);
    expect(text.stdout).toContain('hosts: fleet-host-a 2, fleet-host-b 2');
    // --host narrows to one host.
    const one = JSON.parse(runCli(['scan', '--deaths', file, '--json', '--host', 'fleet-host-c']).stdout) as typeof s;
    expect(one.services.map((x) => [x.service, x.deaths])).toEqual([['apish', 1]]);
  });

  it('the library gives the same answer', () => {
    const lib = scanFleetDeaths(gathered, { service: 'api' });
    expect(lib.services.map((x) => [x.service, x.deaths, x.hosts.length])).toEqual([['api', 4, 2]]);
  });
});

describe('scan --deaths bad input (hand-written: malformed on purpose)', () => {
  it('one line on stderr, exit 2, naming the line', () => {
    const good = JSON.stringify({
      schema: 'whydied.death/1',
      time: '2026-01-01T00:00:00.000Z',
      host: { hostname: 'h', bootId: 'b' },
      pid: 5,
      startTime: 1,
      comm: 'x',
      argvHead: [],
      ppid: 1,
      pgid: 5,
      sid: 5,
      tty: null,
      cgroup: null,
      cause: {
        kind: 'exit',
        signal: null,
        exitCode: 1,
        sender: null,
        mechanism: 'exit',
        groupDirected: null,
        source: 'record',
      },
      container: null,
      pidNamespace: null,
      run: null,
    });
    for (const [input, msg] of [
      [`${good}\nnot json\n`, /^whydied: line 2: not a whydied\.death\/1 event: not JSON\n$/],
      [`${good.replace('"pid":5', '"pid":-5')}\n`, /^whydied: line 1: .*pid must be a positive integer\n$/],
      [`{"schema":"whydied.report/2"}\n`, /^whydied: line 1: .*schema is "whydied.report\/2"\n$/],
      [`${'x'.repeat(70000)}\n`, /^whydied: line 1: .*longer than 65536 bytes\n$/],
    ] as Array<[string, RegExp]>) {
      const r = runCli(['scan', '--deaths', '-'], { input });
      expect(r.stderr).toMatch(msg);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
    }
    const none = runCli(['scan', '--deaths', path.join(T, 'no-such-file')]);
    expect([none.status, none.stderr]).toEqual([2, expect.stringMatching(/cannot read it \(ENOENT\)\n$/)]);
    const both = runCli(['scan', '--deaths', '-', '--kmsg', '-'], { input: good });
    expect(both.status).toBe(2);
    const noSource = runCli(['scan', '--host', 'h']);
    expect([noSource.status, noSource.stderr]).toEqual([2, 'whydied: --host and --service go with --deaths FILE\n']);
  });
});
