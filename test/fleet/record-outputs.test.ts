/**
 * `whydied record --output store,jsonl,prom=DIR,journal=SOCKET --on-death HOOK` (built CLI, real tracefs)
 * read back by real consumers: JSON lines by a separate consumer process (validated against
 * schema/death.schema.json), the textfile by a strict exposition-format parser, the journal entries by a
 * fake journald on a unix datagram socket that parses the native protocol, the hook's stdin and environment
 * by the hook itself. The death is a process with a hostile name (prctl PR_SET_NAME) killed by SIGTERM.
 * A real journald is not on this machine: that test needs the systemd container (issue 9).
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import { cleanupProcesses, isRoot, track, waitFor } from '../helpers/processes';
import { parseExposition } from '../helpers/prom-parse';
import { cProgram, removePrograms } from './c-programs';

const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');
const root = isRoot();
const renamer = cProgram('renamer');
const perl = fs.existsSync('/usr/bin/perl');
const ok = root && renamer !== null && perl;
if (!ok)
  console.log(
    `skipping the record outputs test: needs root (tracefs), cc and perl (root=${root}, cc=${renamer !== null}, perl=${perl})`,
  );
const maybe = ok ? describe : describe.skip;

// Fits comm's 15 bytes: a command substitution, a quote and a backslash.
const HOSTILE = '$(touch pwnd)"\\';

const T = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fleet-out-'));
const lines = (f: string): Array<Record<string, unknown>> =>
  fs.existsSync(f)
    ? fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

afterAll(() => {
  cleanupProcesses();
  removePrograms();
  fs.rmSync(T, { recursive: true, force: true });
});

maybe('record outputs', () => {
  let recorder: ChildProcess;
  let consumer: ChildProcess;
  let journald: ChildProcess;
  let victim = 0;
  let killerPid = 0;
  let exiter = 0;
  const cwd = path.join(T, 'cwd');
  const promDir = path.join(T, 'prom');
  const jsonlOut = path.join(T, 'jsonl.out');
  const journalOut = path.join(T, 'journal.out');
  const sock = path.join(T, 'journal.sock');

  beforeAll(async () => {
    fs.mkdirSync(cwd);
    fs.mkdirSync(promDir);
    journald = spawn('python3', [path.join(__dirname, 'fake-journald.py'), 'native', sock, journalOut], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    track(journald.pid as number);
    await new Promise<void>((r) => journald.stdout?.once('data', () => r()));
    consumer = spawn(process.execPath, [path.join(__dirname, 'consumer.js'), jsonlOut], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    track(consumer.pid as number);
    const hook = 'cat > "hook.$$.json"; env > "hook.$$.env"';
    recorder = spawn(
      process.execPath,
      [
        CLI,
        'record',
        '--state-dir',
        path.join(T, 'state'),
        '--output',
        `store,jsonl,prom=${promDir},journal=${sock}`,
        '--on-death',
        hook,
      ],
      { cwd, stdio: ['ignore', consumer.stdin as NodeJS.WritableStream & { fd?: number }, 'pipe'] } as never,
    );
    track(recorder.pid as number);
    // Only the recorder writes to the consumer now: it sees end-of-file when the recorder stops.
    consumer.stdin?.destroy();
    let err = '';
    recorder.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    expect(await waitFor(() => err.includes('recording:'), 20000)).toBe(true);

    const v = spawn(renamer as string, [HOSTILE], { stdio: ['ignore', 'pipe', 'ignore'] });
    victim = track(v.pid as number);
    await new Promise<void>((r) => v.stdout?.once('data', () => r()));
    expect(fs.readFileSync(`/proc/${victim}/comm`, 'utf8')).toBe(HOSTILE + '\n');
    const k = spawnSync('kill', ['-TERM', String(victim)]);
    killerPid = k.pid as number;
    const e = spawnSync('sh', ['-c', 'exit 7']);
    exiter = e.pid as number;
    expect(
      await waitFor(() => {
        const got = lines(jsonlOut).map((x) => x.pid);
        return (
          got.includes(victim) &&
          got.includes(exiter) &&
          lines(journalOut).some((x) => x.WHYDIED_PID === String(victim))
        );
      }, 20000),
    ).toBe(true);
    // The textfile is rewritten every 5 s, and once more on a clean stop.
    recorder.kill('SIGTERM');
    await new Promise((r) => recorder.once('exit', r));
    await waitFor(() => fs.existsSync(jsonlOut + '.end'), 10000);
  }, 90000);

  afterAll(() => {
    spawnSync('python3', [
      '-c',
      `import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"quit", ${JSON.stringify(sock)})`,
    ]);
  });

  it('JSON lines: a separate consumer reads whydied.death/1 events that match the published schema', () => {
    const schema = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../schema/death.schema.json'), 'utf8'),
    ) as object;
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    const events = lines(jsonlOut);
    for (const e of events) if (!validate(e)) throw new Error(JSON.stringify(validate.errors));
    expect(fs.existsSync(jsonlOut + '.bad')).toBe(false);
    expect(fs.readFileSync(jsonlOut + '.end', 'utf8')).toBe('clean');
    const killed = events.find((e) => e.pid === victim) as { comm: string; cause: Record<string, unknown> };
    expect(killed.comm).toBe(HOSTILE);
    expect(killed.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGTERM',
      sender: { pid: killerPid, comm: 'kill' },
      mechanism: 'kill',
      groupDirected: false,
    });
    expect((events.find((e) => e.pid === exiter) as { cause: unknown }).cause).toMatchObject({
      kind: 'exit',
      exitCode: 7,
    });
    // A clean exit(0) is not a death: none reaches the fleet outputs.
    expect(
      events.some(
        (e) =>
          (e.cause as { kind: string; exitCode: number }).kind === 'exit' &&
          (e.cause as { exitCode: number }).exitCode === 0,
      ),
    ).toBe(false);
  });

  it('Prometheus textfile: strictly valid exposition, the death counted under its hostile comm, recorder health', () => {
    const files = fs.readdirSync(promDir);
    expect(files).toEqual(['whydied.prom']); // atomic: no temp file left behind
    expect(fs.statSync(path.join(promDir, 'whydied.prom')).mode & 0o777).toBe(0o644);
    const exp = parseExposition(fs.readFileSync(path.join(promDir, 'whydied.prom'), 'utf8'));
    expect(exp.types).toMatchObject({
      whydied_deaths_total: 'counter',
      whydied_recorder_events_total: 'counter',
      whydied_recorder_lost_events_total: 'counter',
      whydied_recorder_lag_seconds: 'gauge',
    });
    const s = exp.samples.find(
      (x) => x.name === 'whydied_deaths_total' && x.labels.comm === HOSTILE && x.labels.signal === 'SIGTERM',
    );
    expect(s?.labels.cause).toBe('signal');
    expect(s?.value).toBeGreaterThanOrEqual(1);
    expect(exp.samples.find((x) => x.name === 'whydied_recorder_events_total')?.value).toBeGreaterThan(0);
    const comms = new Set(exp.samples.filter((x) => x.name === 'whydied_deaths_total').map((x) => x.labels.comm));
    expect(comms.size).toBeLessThanOrEqual(51);
  });

  it('journal: native-protocol datagrams with WHYDIED_* fields, a fixed MESSAGE_ID and PRIORITY by cause', () => {
    const entries = lines(journalOut);
    expect(entries.filter((e) => 'error' in e)).toEqual([]);
    const e = entries.find((x) => x.WHYDIED_PID === String(victim));
    expect(e).toMatchObject({
      WHYDIED_CAUSE: 'signal',
      WHYDIED_SIGNAL: 'SIGTERM',
      WHYDIED_SENDER_PID: String(killerPid),
      WHYDIED_SENDER_COMM: 'kill',
      WHYDIED_COMM: HOSTILE,
      WHYDIED_MECHANISM: 'kill',
      MESSAGE_ID: '5f1c2a7e9b3d4c8a8e6f0d1b2c3a4e57',
      PRIORITY: '4',
      SYSLOG_IDENTIFIER: 'whydied',
    });
    expect(String(e?.MESSAGE)).toMatch(
      new RegExp(
        `\\(pid ${victim}\\) was killed by SIGTERM from kill \\(pid ${killerPid}(, uid \\d+)?\\), sent to it directly$`,
      ),
    );
    expect(entries.find((x) => x.WHYDIED_PID === String(exiter))).toMatchObject({
      WHYDIED_CAUSE: 'exit',
      WHYDIED_EXIT_CODE: '7',
      PRIORITY: '5',
    });
  });

  it('--on-death: the death on stdin only; no process data in argv or environment; a hostile name never runs', () => {
    const hooks = fs.readdirSync(cwd).filter((f) => f.endsWith('.json'));
    const mine = hooks
      .map((f) => JSON.parse(fs.readFileSync(path.join(cwd, f), 'utf8')) as { pid: number; comm: string; f?: string })
      .find((x) => x.pid === victim);
    expect(mine?.comm).toBe(HOSTILE);
    const hookPid = hooks
      .find((f) => (JSON.parse(fs.readFileSync(path.join(cwd, f), 'utf8')) as { pid: number }).pid === victim)
      ?.split('.')[1];
    const env = fs.readFileSync(path.join(cwd, `hook.${hookPid}.env`), 'utf8');
    const names = env
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=')[0])
      .sort();
    // sh adds PWD (and some add SHLVL, _): nothing else, and nothing of the dead process.
    expect(names.filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n))).toEqual(['PATH']);
    expect(env).not.toContain('touch');
    expect(fs.existsSync(path.join(cwd, 'pwnd'))).toBe(false);
  });
});
