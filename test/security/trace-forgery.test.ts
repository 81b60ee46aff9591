/**
 * An unprivileged local user against a root recorder (`whydied record`, the built CLI): every way to shape the
 * names the kernel reports in trace events (test/security/trace-forgery-attacker.py, run as `nobody` through
 * setpriv) — an exec'd file name holding newlines that spells whole trace lines (a fatal signal and the exit
 * of a live victim), comm fragments set with prctl(PR_SET_NAME) and /proc/self/comm, `: ` and `=`, control
 * and bidi characters, invalid UTF-8, a 3,000-byte file name, a sender renamed to a fake line prefix, and a
 * flood that overruns a small ring buffer. The records must stay true: nothing about the live victim, and
 * every real death recorded once with the exact bytes of its name, its cause and its sender.
 *
 * WHYDIED_TEST_CLI=/path/to/dist/whydied.js runs the same attack against another build (e.g. main's).
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isAlive, isRoot, startDetached, track, waitFor } from '../helpers/processes';
import { decodeNameBytes, nameBytes } from '../../src/util/name-bytes';

const CLI = process.env.WHYDIED_TEST_CLI || path.resolve(__dirname, '../../dist/whydied.js');
const ATTACKER = path.resolve(__dirname, 'trace-forgery-attacker.py');
const INSTANCES = '/sys/kernel/tracing/instances';
const NOBODY = 65534;
/** The system python: a user-installed one (pyenv under /root) is not readable by nobody. */
const PYTHON = ['/usr/bin/python3', '/bin/python3'].find((p) => fs.existsSync(p)) ?? 'python3';

const hasTools = spawnSync('setpriv', ['--version']).status === 0 && spawnSync(PYTHON, ['-V']).status === 0;
const root = isRoot();
const maybe = root && hasTools ? describe : describe.skip;
if (!root) console.log('skipping trace forgery tests: the recorder traces through tracefs and needs root');
else if (!hasTools) console.log('skipping trace forgery tests: setpriv or python3 missing');

interface Rec {
  pid: number;
  ppid: number;
  comm: string;
  argvHead: string[];
  cause: { kind: string; signal?: string; exitCode?: number; sender?: { pid: number; comm: string } };
}

interface Seen {
  trick: string;
  pid: number;
  comm: string;
  path?: string;
  sender?: number | null;
  signal?: string;
  exitCode?: number;
}

function readRecs(dir: string): Rec[] {
  const out: Rec[] = [];
  for (const f of ['records.1.jsonl', 'records.jsonl']) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(dir, f), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) if (line.trim()) out.push(JSON.parse(line) as Rec);
  }
  return out;
}

const instancesOf = (pid: number): string[] => {
  try {
    return fs.readdirSync(INSTANCES).filter((n) => n.startsWith(`whydied-record-${pid}-`));
  } catch {
    return [];
  }
};

/** A name as the attacker read it from /proc (hex bytes) -> the byte-safe string the recorder must write. */
const fromHex = (hex: string): string => decodeNameBytes(Buffer.from(hex, 'hex'));

/** Run the attacker as nobody: JSON lines out. */
function attack(work: string, victim: number, phase: string, extra: string[] = []): Array<Record<string, unknown>> {
  const res = spawnSync(
    'setpriv',
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      '--',
      PYTHON,
      ATTACKER,
      work,
      String(victim),
      phase,
      ...extra,
    ],
    { encoding: 'utf8', cwd: work, timeout: 120000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (res.status !== 0) throw new Error(`attacker (${phase}) failed: ${res.status} ${res.stderr}`);
  return res.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Running {
  proc: ChildProcess;
  dir: string;
  log: () => string;
  jsonl: () => string;
}

async function startRecorder(extra: string[]): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-forge-state-'));
  let log = '';
  let out = '';
  const proc = spawn(process.execPath, [CLI, 'record', '--state-dir', dir, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(proc.pid as number);
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  if (!(await waitFor(() => /recording: instance/.test(log), 20000))) throw new Error(`recorder did not start: ${log}`);
  // Tracing is on once a process started now shows up in the records.
  const probes = new Set<number>();
  const ok = await waitFor(
    () => {
      probes.add(spawnSync('true').pid as number);
      return readRecs(dir).some((r) => probes.has(r.pid));
    },
    15000,
    200,
  );
  if (!ok) throw new Error(`recorder records nothing: ${log}`);
  return { proc, dir, log: () => log, jsonl: () => out };
}

async function stopRecorder(r: Running): Promise<void> {
  if (r.proc.exitCode !== null || r.proc.signalCode !== null) return;
  const done = new Promise((res) => r.proc.on('exit', res));
  r.proc.kill('SIGTERM');
  await done;
}

/** journald's native protocol: KEY=VALUE\n, or KEY\n + u64 LE length + value + \n. */
function parseNative(d: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < d.length) {
    const nl = d.indexOf(0x0a, i);
    if (nl < 0) throw new Error('journal field without newline');
    const line = d.subarray(i, nl);
    const eq = line.indexOf(0x3d);
    if (eq >= 0) {
      out.set(line.subarray(0, eq).toString(), line.subarray(eq + 1));
      i = nl + 1;
    } else {
      const n = Number(d.readBigUInt64LE(nl + 1));
      out.set(line.toString(), d.subarray(nl + 9, nl + 9 + n));
      i = nl + 10 + n;
    }
  }
  return out;
}

let work: string;
let victim: number;
const running: Running[] = [];

maybe('trace forgery: an unprivileged user against a root recorder', () => {
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-forge-'));
    fs.chmodSync(work, 0o755);
    fs.chownSync(work, NOBODY, NOBODY);
    // The live victim whose death the attacker forges (a root process: the attacker cannot touch it).
    victim = startDetached('sleep', ['1000']);
  });
  afterAll(async () => {
    for (const r of running) await stopRecorder(r);
    cleanupProcesses();
    for (const r of running) fs.rmSync(r.dir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('every trick once: no record for the live victim, every real death recorded with its true name', async () => {
    const rec = await startRecorder(['--output', 'store,jsonl']);
    running.push(rec);
    const seen = attack(work, victim, 'names') as unknown as Seen[];
    expect(seen.length).toBeGreaterThanOrEqual(14);
    const byPid = (pid: number): Rec[] => readRecs(rec.dir).filter((r) => r.pid === pid);
    const all = await waitFor(() => seen.every((s) => byPid(s.pid).length > 0), 15000, 100);
    // The forged lines named the victim: nothing about it anywhere, and it is alive.
    expect(isAlive(victim)).toBe(true);
    expect(readRecs(rec.dir).filter((r) => r.pid === victim)).toEqual([]);
    // No death at all was ascribed to pid 1 or to the fake `bash-4242` sender.
    const forgedSenders = readRecs(rec.dir).filter((r) => r.cause.sender && [1, 4242].includes(r.cause.sender.pid));
    expect(forgedSenders).toEqual([]);
    const missing = seen.filter((s) => byPid(s.pid).length === 0).map((s) => `${s.trick} ${s.pid}`);
    // (the recorder's log, shown only when something is missing)
    const log = missing.length ? rec.log().slice(-3000) : '';
    expect({ missing, all, log }).toEqual({ missing: [], all: true, log: '' });

    for (const s of seen) {
      // (pids wrap at 32768 on a busy machine: another process may have had this pid before; this one is
      // the record with its start-of-life name bytes, and there must be exactly one)
      const recs = byPid(s.pid).filter((r) => nameBytes(r.comm).toString('hex') === s.comm);
      expect({ trick: s.trick, names: recs.length ? 1 : byPid(s.pid).map((r) => r.comm) }).toEqual({
        trick: s.trick,
        names: 1,
      });
      expect(recs).toHaveLength(1);
      const r = recs[0];
      // The exact bytes of the name the kernel gave it, escaped nowhere in the store but byte-safe.
      expect({ trick: s.trick, comm: r.comm }).toEqual({ trick: s.trick, comm: fromHex(s.comm) });
      expect(nameBytes(r.comm).toString('hex')).toBe(s.comm);
      if (s.path) expect({ trick: s.trick, argv0: r.argvHead[0] }).toEqual({ trick: s.trick, argv0: fromHex(s.path) });
      if (s.signal) {
        expect(r.cause).toMatchObject({ kind: 'signal', signal: s.signal });
        expect(r.cause.sender?.pid).toBe(s.sender);
      } else if (s.exitCode !== undefined) {
        expect(r.cause).toMatchObject({ kind: 'exit', exitCode: s.exitCode });
      }
    }
    // The JSON lines output (whydied.death/1, deaths only) says the same, once the pipe has delivered it.
    const events = (): Array<{ pid: number; comm: string }> =>
      rec
        .jsonl()
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { pid: number; comm: string });
    const deaths = seen.filter((x) => x.signal || x.exitCode);
    await waitFor(() => deaths.every((s) => events().some((e) => e.pid === s.pid)), 10000, 100);
    expect(events().filter((e) => e.pid === victim)).toEqual([]);
    for (const s of deaths) {
      const e = events().find((x) => x.pid === s.pid && x.comm === fromHex(s.comm));
      expect({ trick: s.trick, comm: e?.comm }).toEqual({ trick: s.trick, comm: fromHex(s.comm) });
    }
    // SIGTERM: records flushed, the instance removed.
    const pid = rec.proc.pid as number;
    await stopRecorder(rec);
    expect(instancesOf(pid)).toEqual([]);
  });

  it('the same names reach the fleet outputs: journal fields exact, journal message and textfile escaped, --on-death byte-safe', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-forge-out-'));
    const sock = path.join(out, 'journal.sock');
    const dump = path.join(out, 'journal.hex');
    // A journald stand-in: every datagram, as hex, one per line (the test parses the native protocol).
    const journald = spawn(
      PYTHON,
      [
        '-c',
        'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("ready",flush=True)\n' +
          'while True:\n d=s.recv(1<<20)\n if d==b"quit": break\n open(sys.argv[2],"a").write(d.hex()+"\\n")',
        sock,
        dump,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    track(journald.pid as number);
    await new Promise((r) => journald.stdout?.once('data', r));
    const prom = path.join(out, 'prom');
    fs.mkdirSync(prom);
    const hooks = path.join(out, 'hooks');
    fs.mkdirSync(hooks);
    const rec = await startRecorder([
      '--output',
      `store,jsonl,prom=${prom},journal=${sock}`,
      '--on-death',
      `cat > ${hooks}/hook.$$.json`,
    ]);
    running.push(rec);
    try {
      const seen = (attack(work, victim, 'names') as unknown as Seen[]).filter((s) => s.signal);
      const journal = (): Array<Map<string, Buffer>> =>
        (fs.existsSync(dump) ? fs.readFileSync(dump, 'utf8') : '')
          .split('\n')
          .filter((l) => l)
          .map((l) => parseNative(Buffer.from(l, 'hex')));
      const hookJson = (): Array<{ pid: number; comm: string }> =>
        fs.readdirSync(hooks).flatMap((f) => {
          const t = fs.readFileSync(path.join(hooks, f), 'utf8');
          return t.endsWith('\n') ? [JSON.parse(t) as { pid: number; comm: string }] : [];
        });
      const pidOf = (m: Map<string, Buffer>): number => Number(m.get('WHYDIED_PID')?.toString());
      expect(
        await waitFor(
          () => seen.every((s) => journal().some((m) => pidOf(m) === s.pid) && hookJson().some((h) => h.pid === s.pid)),
          20000,
          100,
        ),
      ).toBe(true);
      await stopRecorder(rec);
      const unsafe =
        /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/u;
      for (const s of seen) {
        // (pids wrap at 32768 on a busy machine: the entry of this process is the one with its name)
        const mine = journal().filter((x) => pidOf(x) === s.pid);
        const m = mine.find((x) => x.get('WHYDIED_COMM')?.toString('hex') === s.comm);
        // The structured field keeps the exact bytes (journald fields are binary-safe)...
        expect({ trick: s.trick, comm: m ? s.comm : mine.map((x) => x.get('WHYDIED_COMM')?.toString('hex')) }).toEqual({
          trick: s.trick,
          comm: s.comm,
        });
        if (!m) continue;
        // ...the message a human reads is valid UTF-8 with every control, bidi and stray byte escaped.
        const msg = m.get('MESSAGE') as Buffer;
        const text = new TextDecoder('utf-8', { fatal: true }).decode(msg);
        expect({ trick: s.trick, unsafe: unsafe.test(text) }).toEqual({ trick: s.trick, unsafe: false });
        expect(text).toContain(`(pid ${s.pid})`);
        // --on-death: the death as JSON on stdin, the name byte-safe.
        const h = hookJson().find((x) => x.pid === s.pid && nameBytes(x.comm).toString('hex') === s.comm);
        expect({ trick: s.trick, comm: h && nameBytes(h.comm).toString('hex') }).toEqual({
          trick: s.trick,
          comm: s.comm,
        });
      }
      expect(journal().filter((m) => pidOf(m) === victim)).toEqual([]);
      expect(hookJson().filter((h) => h.pid === victim)).toEqual([]);
      // The textfile: no raw control, bidi or replacement character in any label.
      const text = fs.readFileSync(path.join(prom, 'whydied.prom'), 'utf8');
      expect(text.split('\n').filter((l) => unsafe.test(l))).toEqual([]);
    } finally {
      spawnSync(PYTHON, [
        '-c',
        `import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"quit", ${JSON.stringify(sock)})`,
      ]);
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('a flood that overruns a small buffer: losses counted, records still true', async () => {
    const rec = await startRecorder(['--buffer-kb', '64']);
    running.push(rec);
    // A reader that falls behind (here: stopped) while the attacker floods: the ring buffer overwrites.
    rec.proc.kill('SIGSTOP');
    let flood: Array<Record<string, unknown>>;
    try {
      flood = attack(work, victim, 'flood', ['3000']);
    } finally {
      rec.proc.kill('SIGCONT');
    }
    const info = flood[0] as { pids: number[]; comm: string; parent: number };
    // (pids may repeat: pid_max is 32768 and the machine is busy)
    expect(info.pids).toHaveLength(3000);
    // The last of the flood is recorded once the reader catches up.
    const last = info.pids[info.pids.length - 1];
    expect(await waitFor(() => readRecs(rec.dir).some((r) => r.pid === last), 20000, 100)).toBe(true);
    const pid = rec.proc.pid as number;
    await stopRecorder(rec);
    expect(instancesOf(pid)).toEqual([]);
    const status = JSON.parse(fs.readFileSync(path.join(rec.dir, 'record.status.json'), 'utf8')) as {
      lost: { pipe: number; overrun: number; dropped: number };
    };
    // The reader saw the kernel's lost-events flags (RB_MISSED_EVENTS) and counted them.
    expect(status.lost.pipe).toBeGreaterThan(0);
    expect(status.lost.overrun).toBeGreaterThan(0);
    const recs = readRecs(rec.dir);
    expect(isAlive(victim)).toBe(true);
    expect(recs.filter((r) => r.pid === victim)).toEqual([]);
    // The flood's children: their parent is the attacker (known from the fork, when that event survived).
    const mine = recs.filter((r) => r.ppid === info.parent);
    expect(mine.length).toBeGreaterThan(0);
    // Whatever survived the overrun is true: the flood's own name, never a signal.
    const wrong = mine.filter((r) => r.comm !== fromHex(info.comm) || r.cause.kind === 'signal');
    expect(wrong).toEqual([]);
  });
});
