/**
 * `whydied launch` (built CLI) with real processes: the launched command outlives a kill of its launching
 * shell's process group, runs the way the seeds recommend (own session, stdin /dev/null, output to the log,
 * cwd kept), and its later SIGTERM from a known shell is explained by `whydied <name>` from the sentinel's
 * record. A uniquely named copy of sleep keeps `whydied <name>` from matching other tests' processes.
 */
import { reportsOf } from '../helpers/schema';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isAlive, isRoot, runCli, track, waitFor } from '../helpers/processes';
import { expectValidReports } from '../helpers/schema';

const root = isRoot();
const maybe = root ? describe : describe.skip;
if (!root) console.log('skipping launch tests: the sentinel scenario uses the tracefs watcher, which needs root');

const CLI = path.resolve(__dirname, '../../dist/whydied.js');

let tmp: string;
let state: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-launch-'));
  state = path.join(tmp, 'state');
});
afterEach(() => cleanupProcesses());
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const statFields = (pid: number): string[] => {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
};

maybe('whydied launch', () => {
  it('survives its launcher group being killed; a later SIGTERM is explained by name', async () => {
    const name = `wdsl${process.pid % 100000}`;
    const bin = path.join(tmp, name);
    fs.copyFileSync('/bin/sleep', bin);
    fs.chmodSync(bin, 0o755);
    const out = path.join(tmp, 'launch.out');
    const work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    const script = `cd ${work} && ${process.execPath} ${CLI} launch -- ${bin} 1000 > ${out} 2>&1; echo done >> ${out}; sleep 1000`;
    // setsid: the runner leads its own group, as a login shell's job would; the launch happens inside it.
    const runner = spawn('setsid', ['bash', '-c', script], {
      stdio: 'ignore',
      env: { ...process.env, WHYDIED_STATE_DIR: state },
    });
    const runnerPid = track(runner.pid as number);
    expect(await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('done'), 20000)).toBe(true);
    const text = fs.readFileSync(out, 'utf8');
    const pid = track(Number(/pid (\d+)\n/.exec(text)?.[1]));
    const sentinel = track(Number(/sentinel: pid (\d+)/.exec(text)?.[1]));
    const log = /log: (.*)\n/.exec(text)?.[1] as string;
    expect(pid).toBeGreaterThan(0);
    expect(sentinel).toBeGreaterThan(0);
    expect(log).toBe(path.join(state, 'logs', `${name}.log`));

    // The seeds' recipe: own session and group, no terminal, stdin /dev/null, output to the log, cwd kept.
    expect(await waitFor(() => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name, 5000)).toBe(true);
    const f = statFields(pid);
    expect(Number(f[2])).toBe(pid);
    expect(Number(f[3])).toBe(pid);
    expect(Number(f[4])).toBe(0);
    expect(fs.readlinkSync(`/proc/${pid}/fd/0`)).toBe('/dev/null');
    expect(fs.readlinkSync(`/proc/${pid}/fd/1`)).toBe(log);
    expect(fs.readlinkSync(`/proc/${pid}/fd/2`)).toBe(log);
    expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(work);
    // The sentinel is detached too: its own session, stdio away from the runner.
    expect(Number(statFields(sentinel)[3])).toBe(sentinel);
    expect(fs.readlinkSync(`/proc/${sentinel}/fd/1`)).toBe('/dev/null');

    // Kill the launching shell's whole process group: the launched process and its sentinel stay.
    process.kill(-runnerPid, 'SIGKILL');
    expect(await waitFor(() => !isAlive(runnerPid), 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(pid)).toBe(true);
    expect(isAlive(sentinel)).toBe(true);

    // A known shell sends SIGTERM; the sentinel records it and exits.
    const sender = spawn('bash', ['-c', `kill -TERM ${pid}; sleep 0.5`], { stdio: 'ignore' });
    const senderPid = track(sender.pid as number);
    expect(await waitFor(() => !isAlive(sentinel), 10000)).toBe(true);

    const res = runCli([name, '--json'], { env: { WHYDIED_STATE_DIR: state } });
    expect(res.status).toBe(3);
    const reports = reportsOf<{
      target: { pid: number };
      verdict: { status: string; cause: { kind: string; signal?: string; sender?: { pid: number; comm: string } } };
    }>(res.stdout);
    const mine = reports.find((r) => r.target.pid === pid);
    expect(mine?.verdict.status).toBe('died');
    expect(mine?.verdict.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGTERM',
      sender: { pid: senderPid, comm: 'bash' },
    });
    const table = runCli([name], { env: { WHYDIED_STATE_DIR: state } });
    expect(table.status).toBe(3);
    expect(table.stdout).toMatch(/SIGTERM/);
    expect(table.stdout).toMatch(new RegExp(`${senderPid}`));
  });

  it('`launch --name web -- python3 app.py`: a later `whydied web` finds the record by its launch name', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-launch-name-'));
    try {
      const env = { WHYDIED_STATE_DIR: path.join(own, 'state') };
      // Unique, and neither the comm (python3...) nor argv[0]: only the launch name can match it.
      const name = `web${process.pid % 100000}`;
      const app = path.join(own, 'app.py');
      fs.writeFileSync(app, 'import time\ntime.sleep(1000)\n');
      const res = runCli(['launch', '--name', name, '--', 'python3', app], { env });
      expect(res.status).toBe(0);
      const pid = track(Number(/pid (\d+)\n/.exec(res.stdout)?.[1]));
      const sentinel = track(Number(/sentinel: pid (\d+)/.exec(res.stdout)?.[1]));
      // Until the interpreter itself runs (a pyenv shim execs bash scripts first, under the same pid).
      const running = (): boolean =>
        isAlive(pid) &&
        fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(app) &&
        fs.readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('python');
      expect(await waitFor(running, 10000)).toBe(true);
      await new Promise((r) => setTimeout(r, 700)); // past the sentinel's identity refresh (500 ms)
      expect(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).not.toBe(name);
      // While it runs, the launch name finds the live process (the launch registry).
      const alive = runCli([name, '--json'], { env });
      const [live] = expectValidReports(alive.stdout) as unknown as Array<{ target: { pid: number }; state: string }>;
      expect(live).toMatchObject({ state: 'alive', target: { pid } });
      expect([0, 1]).toContain(alive.status);
      process.kill(pid, 'SIGTERM');
      expect(await waitFor(() => !isAlive(sentinel), 10000)).toBe(true);

      const out = runCli([name, '--json'], { env });
      expect(out.status).toBe(3);
      const reports = reportsOf<{
        target: { pid: number };
        verdict: { cause: { kind: string; signal?: string; source: string } };
      }>(out.stdout);
      expect(reports.find((r) => r.target.pid === pid)?.verdict.cause).toMatchObject({
        kind: 'signal',
        signal: 'SIGTERM',
        source: 'record',
      });
      // The record names what finally ran, not a wrapper that exec'd it (a pyenv shim is a bash script).
      const rec = fs
        .readFileSync(path.join(env.WHYDIED_STATE_DIR, 'records.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { pid: number; comm: string })
        .find((r) => r.pid === pid);
      expect(rec?.comm).toMatch(/^python/);
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('refuses a missing or unknown command in one line, exit 2', () => {
    const none = runCli(['launch'], { env: { WHYDIED_STATE_DIR: state } });
    expect(none.status).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    const unknown = runCli(['launch', '--', 'no-such-command-whydied'], { env: { WHYDIED_STATE_DIR: state } });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/command not found/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an exit code is recorded too, with --name and --log honoured and arguments kept verbatim', async () => {
    const log = path.join(tmp, 'custom.log');
    const res = runCli(['launch', '--name', 'exiter', '--log', log, '--', 'bash', '-c', 'echo 0123; exit 7'], {
      env: { WHYDIED_STATE_DIR: state },
    });
    expect(res.status).toBe(0);
    const pid = track(Number(/pid (\d+)\n/.exec(res.stdout)?.[1]));
    const sentinel = track(Number(/sentinel: pid (\d+)/.exec(res.stdout)?.[1]));
    expect(res.stdout).toContain(`log: ${log}`);
    expect(await waitFor(() => !isAlive(sentinel), 10000)).toBe(true);
    expect(fs.readFileSync(log, 'utf8')).toBe('0123\n');
    const recs = fs
      .readFileSync(path.join(state, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { pid: number; cause: { kind: string; exitCode?: number }; launch?: { name: string } },
      );
    const r = recs.find((x) => x.pid === pid);
    expect(r?.cause).toMatchObject({ kind: 'exit', exitCode: 7 });
    expect(r?.launch?.name).toBe('exiter');
  });
});
