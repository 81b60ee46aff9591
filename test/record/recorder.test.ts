/**
 * `whydied record` (built CLI) against real processes and the real tracefs: a burst of 1,000 exits each
 * recorded exactly once, a SIGKILL recorded with its sender, a cgroup.kill and a parent-death signal named as
 * watch names them, one recorder per state dir, SIGHUP survived, SIGTERM cleans up (instance and pidfile),
 * --daemon detaches, non-root refused.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isAlive, isRoot, runCli, startDetached, track, waitFor } from '../helpers/processes';
import { mechanismOf, startWatch } from '../reality/predict';

const root = isRoot();
const maybe = root ? describe : describe.skip;
if (!root) console.log('skipping recorder tests: the recorder traces every process through tracefs and needs root');

const CLI = path.resolve(__dirname, '../../dist/whydied.js');
const INSTANCES = '/sys/kernel/tracing/instances';

interface Rec {
  pid: number;
  startTime: number;
  comm: string;
  ppid: number;
  argvHead: string[];
  cause: {
    kind: string;
    signal?: string;
    exitCode?: number;
    sender?: { pid: number; comm: string };
    details?: Record<string, unknown>;
  };
  identitySources?: Record<string, string>;
}

const instancesOf = (pid: number): string[] => {
  try {
    return fs.readdirSync(INSTANCES).filter((n) => n.startsWith(`whydied-record-${pid}-`));
  } catch {
    return [];
  }
};

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

const startTimeOf = (pid: number): number => {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]);
};

let dir: string;
let rec: ChildProcess;
let recExit: Promise<{ code: number | null; signal: string | null }>;
let stderr = '';

maybe('whydied record (foreground)', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-rec-'));
    rec = spawn(process.execPath, [CLI, 'record', '--state-dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    track(rec.pid as number);
    rec.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    recExit = new Promise((resolve) => rec.on('exit', (code, signal) => resolve({ code, signal })));
    const ready = await waitFor(
      () => fs.existsSync(path.join(dir, 'record.pid')) && /recording: instance/.test(stderr),
      15000,
    );
    if (!ready) throw new Error(`recorder did not start: ${stderr}`);
  });
  afterAll(() => {
    cleanupProcesses();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes its pidfile and owns one tracing instance', () => {
    expect(fs.readFileSync(path.join(dir, 'record.pid'), 'utf8').trim().split(' ')[0]).toBe(String(rec.pid));
    expect(instancesOf(rec.pid as number)).toHaveLength(1);
  });

  it('records each of 1,000 short-lived processes exactly once (pid + start time)', async () => {
    const burst = spawnSync('bash', ['-c', 'echo $$; for i in $(seq 1000); do /bin/true; done'], { encoding: 'utf8' });
    const bashPid = Number(burst.stdout.trim());
    const trues = (): Rec[] => readRecs(dir).filter((r) => r.comm === 'true' && r.ppid === bashPid);
    await waitFor(() => trues().length >= 1000 && readRecs(dir).some((r) => r.pid === bashPid), 15000, 100);
    const list = trues();
    const keys = new Set(list.map((r) => `${r.pid}/${r.startTime}`));
    expect(list).toHaveLength(1000);
    expect(keys.size).toBe(1000);
    for (const r of list) {
      expect(r.cause).toMatchObject({ kind: 'exit', exitCode: 0, source: 'record' });
      expect(r.argvHead).toEqual(['/bin/true']);
      expect(r.startTime).toBeGreaterThan(0);
    }
    // The burst shell itself: known from the start scan or its fork, exit code 0.
    const shell = readRecs(dir).filter((r) => r.pid === bashPid);
    expect(shell).toHaveLength(1);
    const status = JSON.parse(fs.readFileSync(path.join(dir, 'record.status.json'), 'utf8')) as {
      lost: Record<string, number>;
    };
    expect(status.lost).toEqual({ pipe: 0, overrun: 0, dropped: 0, unwritten: 0, killed: 0 });
  });

  it('records a SIGKILL with the sender that sent it, and the victim identity', async () => {
    const victim = startDetached('sleep', ['1000']);
    await waitFor(() => isAlive(victim));
    const start = startTimeOf(victim);
    // Give the sweep time to read the victim from /proc (it lives long enough to be read).
    await new Promise((r) => setTimeout(r, 1500));
    const sender = spawn('bash', ['-c', `kill -KILL ${victim}; sleep 0.1`], { stdio: 'ignore' });
    const senderPid = track(sender.pid as number);
    await waitFor(() => readRecs(dir).some((r) => r.pid === victim), 10000, 100);
    const r = readRecs(dir).filter((x) => x.pid === victim);
    expect(r).toHaveLength(1);
    expect(r[0].startTime).toBe(start);
    expect(r[0].comm).toBe('sleep');
    expect(r[0].argvHead).toEqual(['sleep', '1000']);
    expect(r[0].identitySources).toMatchObject({ startTime: 'proc', argvHead: 'proc' });
    expect(r[0].cause).toMatchObject({ kind: 'signal', signal: 'SIGKILL', sender: { pid: senderPid, comm: 'bash' } });
    expect(r[0].cause.details).toMatchObject({ groupDirected: false, kernelSent: false, mechanism: 'kill' });
  });

  /** The one record of a pid, waited for. */
  async function recordOf(pid: number): Promise<Rec> {
    await waitFor(() => readRecs(dir).some((r) => r.pid === pid), 10000, 100);
    const r = readRecs(dir).filter((x) => x.pid === pid);
    expect(r).toHaveLength(1);
    return r[0];
  }

  // A cgroup v2 hierarchy (the root itself has no cgroup.kill; a child has it from Linux 5.14).
  const cgRoot = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((d) =>
    fs.existsSync(path.join(d, 'cgroup.controllers')),
  );
  (cgRoot ? it : it.skip)(
    'names a cgroup.kill as such, though the writer killed another process with SIGKILL just before',
    async () => {
      const cg = path.join(cgRoot as string, `whydied-rec-cgkill-${process.pid}`);
      fs.mkdirSync(cg);
      try {
        if (!fs.existsSync(path.join(cg, 'cgroup.kill'))) {
          console.log('recorder: cgroup.kill test skipped: no cgroup.kill (Linux before 5.14)');
          return;
        }
        const victim = startDetached('sleep', ['1001']);
        await waitFor(() => isAlive(victim));
        fs.writeFileSync(path.join(cg, 'cgroup.procs'), String(victim));
        // watch on the same death: the two must name it alike.
        const w = await startWatch(victim);
        // The writer's own kill(2) of another process stays its last call: it must not be taken for this one.
        const writer = spawn(
          'bash',
          ['-c', `sleep 1002 & kill -KILL $!; wait; echo 1 > ${cg}/cgroup.kill; sleep 0.1`],
          {
            stdio: 'ignore',
          },
        );
        const writerPid = track(writer.pid as number);
        const r = await recordOf(victim);
        expect(r.cause).toMatchObject({ kind: 'signal', signal: 'SIGKILL', sender: { pid: writerPid, comm: 'bash' } });
        expect(r.cause.details).toMatchObject({ mechanism: 'cgroup-kill', kernelSent: false, siCode: 0 });
        const watched = await w.result;
        expect(mechanismOf(watched)).toBe('cgroup-kill');
        expect(watched?.sender).toMatchObject({ pid: writerPid });
      } finally {
        await waitFor(() => fs.readFileSync(path.join(cg, 'cgroup.procs'), 'utf8').trim() === '', 5000);
        fs.rmdirSync(cg);
      }
    },
  );

  it('names a parent-death signal (prctl PR_SET_PDEATHSIG) when its parent exits, not a kill by the parent', async () => {
    // The parent sends SIGTERM to another process first (a call of its own aimed elsewhere), then exits once
    // setpriv has exec'd sleep and the test says go (the watcher is armed by then).
    const go = path.join(dir, 'pdeath-go');
    const parent = spawn(
      'bash',
      [
        '-c',
        'sleep 1003 & kill -TERM $!; setpriv --pdeathsig TERM sleep 1004 & c=$!; ' +
          'while [ "$(cat /proc/$c/comm 2>/dev/null)" != sleep ]; do sleep 0.05; done; echo $c; ' +
          'while [ ! -e "$1" ]; do sleep 0.05; done',
        'parent',
        go,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
    );
    const parentPid = track(parent.pid as number);
    let out = '';
    parent.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => /^\d+\n/.test(out), 10000);
    const child = track(Number(out.trim()));
    const w = await startWatch(child);
    fs.writeFileSync(go, '');
    const r = await recordOf(child);
    expect(r.comm).toBe('sleep');
    expect(r.ppid).toBe(parentPid);
    expect(r.cause).toMatchObject({ kind: 'signal', signal: 'SIGTERM', sender: { pid: parentPid } });
    expect(r.cause.details).toMatchObject({ mechanism: 'parent-death-signal' });
    const watched = await w.result;
    expect(mechanismOf(watched)).toBe('parent-death-signal');
    expect(watched?.sender).toMatchObject({ pid: parentPid });
  });

  it('records a group-directed SIGTERM as such', async () => {
    const sender = spawn('bash', ['-c', 'sleep 1000 & sleep 0.3; kill -TERM -- -$$; sleep 1'], {
      stdio: 'ignore',
      detached: true,
    });
    const leader = track(sender.pid as number);
    await waitFor(
      () => readRecs(dir).some((r) => r.comm === 'sleep' && r.ppid === leader && r.cause.signal === 'SIGTERM'),
      10000,
      100,
    );
    const r = readRecs(dir).find((x) => x.comm === 'sleep' && x.ppid === leader && x.cause.signal === 'SIGTERM') as Rec;
    expect(r).toBeDefined();
    expect(r.cause.sender).toEqual(expect.objectContaining({ pid: leader, comm: 'bash' }));
    expect(r.cause.details).toMatchObject({ groupDirected: true, killTarget: -leader });
  });

  it('a second instance refuses to start (one line, exit 2)', () => {
    const res = runCli(['record', '--state-dir', dir]);
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(new RegExp(`already running as pid ${rec.pid}`));
    const daemon = runCli(['record', '--daemon', '--state-dir', dir]);
    expect(daemon.status).toBe(2);
    expect(daemon.stderr).toMatch(/already running/);
  });

  it('SIGHUP does not stop it', async () => {
    process.kill(rec.pid as number, 'SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(rec.pid as number)).toBe(true);
    expect(instancesOf(rec.pid as number)).toHaveLength(1);
  });

  it('SIGTERM stops it cleanly: instance and pidfile removed, records flushed', async () => {
    process.kill(rec.pid as number, 'SIGTERM');
    const res = await recExit;
    expect(res.code).toBe(143);
    expect(instancesOf(rec.pid as number)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'record.pid'))).toBe(false);
    expect(stderr).toMatch(/stopped \(exit path\)/);
    expect((fs.statSync(path.join(dir, 'records.jsonl')).mode & 0o777).toString(8)).toBe('600');
  });
});

maybe('whydied record --daemon', () => {
  let ddir: string;
  beforeAll(() => {
    ddir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-recd-'));
  });
  afterAll(() => {
    cleanupProcesses();
    fs.rmSync(ddir, { recursive: true, force: true });
  });

  it('detaches into its own session with a pidfile and a log, and stops on SIGTERM', async () => {
    const res = runCli(['record', '--daemon', '--state-dir', ddir]);
    expect(res.status).toBe(0);
    const pid = Number(/recording as pid (\d+)/.exec(res.stdout)?.[1]);
    track(pid);
    expect(pid).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(ddir, 'record.pid'), 'utf8').trim().split(' ')[0]).toBe(String(pid));
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // state ppid pgrp session tty_nr: its own session and group, no terminal.
    expect(Number(f[3])).toBe(pid);
    expect(Number(f[2])).toBe(pid);
    expect(Number(f[4])).toBe(0);
    expect(fs.readlinkSync(`/proc/${pid}/fd/0`)).toBe('/dev/null');
    expect(fs.readlinkSync(`/proc/${pid}/fd/2`)).toBe(path.join(ddir, 'record.log'));
    expect(instancesOf(pid)).toHaveLength(1);
    process.kill(pid, 'SIGTERM');
    expect(await waitFor(() => !isAlive(pid), 10000)).toBe(true);
    expect(instancesOf(pid)).toEqual([]);
    expect(fs.existsSync(path.join(ddir, 'record.pid'))).toBe(false);
    expect(fs.readFileSync(path.join(ddir, 'record.log'), 'utf8')).toMatch(/stopped/);
  });

  it('a recorder killed with SIGKILL leaves a stale pidfile and instance that the next start replaces', async () => {
    const first = runCli(['record', '--daemon', '--state-dir', ddir]);
    const pid = track(Number(/recording as pid (\d+)/.exec(first.stdout)?.[1]));
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 5000);
    expect(instancesOf(pid)).toHaveLength(1);
    const second = runCli(['record', '--daemon', '--state-dir', ddir]);
    expect(second.status).toBe(0);
    const pid2 = track(Number(/recording as pid (\d+)/.exec(second.stdout)?.[1]));
    expect(instancesOf(pid)).toEqual([]);
    process.kill(pid2, 'SIGTERM');
    expect(await waitFor(() => !isAlive(pid2) && instancesOf(pid2).length === 0, 10000)).toBe(true);
  });
});

describe('whydied record: refusals and the unit', () => {
  it('prints a systemd unit with absolute paths', () => {
    const res = runCli(['record', '--print-unit']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^Type=simple$/m);
    expect(res.stdout).toMatch(/^Restart=on-failure$/m);
    const exec = /^ExecStart=(\S+) (\S+) record --state-dir \S+ --output \S+$/m.exec(res.stdout);
    expect(exec).not.toBeNull();
    expect(path.isAbsolute((exec as RegExpExecArray)[1])).toBe(true);
    expect((exec as RegExpExecArray)[2]).toBe(fs.realpathSync(CLI));
  });

  (root ? it : it.skip)('a non-root start says so in one line, exit 2', () => {
    const res = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'record'],
      {
        encoding: 'utf8',
        env: { ...process.env, WHYDIED_STATE_DIR: '/nonexistent/whydied' },
        timeout: 30000,
      },
    );
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/record needs root/);
  });
});
