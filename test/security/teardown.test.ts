/**
 * Teardown through the real CLI: output to a closed pipe, a closed terminal (a real pty whose master goes
 * away), SIGHUP, SIGPIPE, SIGTERM and SIGKILL. Output that cannot be written is dropped quietly with the
 * command's own exit code; a watch or recorder outlives its terminal and still records; and afterwards no
 * tracing instance of the run is left in /sys/kernel/tracing/instances (after SIGKILL, the next start removes
 * it: nothing can run at SIGKILL).
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isAlive, isRoot, runCli, startDetached, track, waitFor } from '../helpers/processes';

const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');
const PTY = path.resolve(__dirname, '../helpers/pty-driver.py');
const INSTANCES = '/sys/kernel/tracing/instances';
const root = isRoot();
if (!root) console.log('skipping tracefs teardown tests: tracefs needs root');
const rit = root ? it : it.skip;

let stateDir: string;
beforeAll(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-teardown-'));
});
afterEach(() => cleanupProcesses());
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

/** Tracing instances owned by `pid` (watch: whydied-<pid>-*, record: whydied-record-<pid>-*). */
const instancesOf = (pid: number): string[] => {
  try {
    return fs
      .readdirSync(INSTANCES)
      .filter((n) => n.startsWith(`whydied-${pid}-`) || n.startsWith(`whydied-record-${pid}-`));
  } catch {
    return [];
  }
};

const recordsOf = (dir: string): Array<{ pid: number; cause: { kind: string; signal?: string } }> => {
  try {
    return fs
      .readFileSync(path.join(dir, 'records.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};

/** The recorder is tracing once the exit of a process started now shows up in its records. */
async function recording(dir: string): Promise<boolean> {
  const probes = new Set<number>();
  return waitFor(
    () => {
      probes.add(spawnSync('true').pid as number);
      return recordsOf(dir).some((r) => probes.has(r.pid));
    },
    15000,
    200,
  );
}

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(
  args: string[],
  stdio: Array<'pipe' | 'ignore'> = ['ignore', 'pipe', 'pipe'],
  env: NodeJS.ProcessEnv = {},
): Run {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: stdio as ['pipe' | 'ignore', 'pipe' | 'ignore', 'pipe' | 'ignore'],
    env: { ...process.env, NO_COLOR: '1', WHYDIED_STATE_DIR: stateDir, ...env },
  });
  track(child.pid as number);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => setImmediate(() => resolve({ code, signal, stderr }))),
  );
  return { child, exited };
}

describe('a closed pipe on stdout', () => {
  it.each<[string, string[]]>([
    ['a diagnosis', []],
    ['a JSON diagnosis', ['--json']],
    ['a capture to stdout', ['capture']],
  ])('%s ends quietly with its own exit code', async (_what, extra) => {
    const args = extra[0] === 'capture' ? ['capture', String(process.pid)] : [String(process.pid), ...extra];
    const expected = runCli(args).status;
    const { child, exited } = start(args);
    // The reader goes away before anything is written: every write gets EPIPE.
    child.stdout?.destroy();
    const res = await exited;
    expect(res.signal).toBeNull();
    expect(res.code).toBe(expected);
    expect(res.stderr).not.toMatch(/^\s+at |EPIPE|Error/m);
  });
});

rit('the recorder survives a stderr whose reader is gone, and still records', async () => {
  const dir = fs.mkdtempSync(path.join(stateDir, 'rec-'));
  const { child, exited } = start(['record', '--state-dir', dir], ['ignore', 'ignore', 'pipe']);
  child.stderr?.destroy();
  const pid = child.pid as number;
  expect(await recording(dir)).toBe(true);
  const victim = startDetached('sleep', ['1000']);
  process.kill(victim, 'SIGTERM');
  expect(await waitFor(() => recordsOf(dir).some((r) => r.pid === victim && r.cause.signal === 'SIGTERM'), 10000)).toBe(
    true,
  );
  expect(isAlive(pid)).toBe(true);
  child.kill('SIGTERM');
  expect((await exited).code).toBe(143);
  expect(instancesOf(pid)).toEqual([]);
});

/** `exec`s the CLI in an interactive bash on a real pty; returns the CLI's pid (found by its exact argv). */
async function inPty(args: string[]): Promise<{ driver: ChildProcess; pid: number }> {
  const argv = [process.execPath, CLI, ...args];
  const driver = spawn('python3', [PTY, `exec ${argv.join(' ')}\n`], {
    stdio: 'ignore',
    env: { ...process.env, WHYDIED_STATE_DIR: stateDir },
  });
  track(driver.pid as number);
  let pid = 0;
  await waitFor(
    () => {
      for (const name of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        try {
          if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8') === `${argv.join('\0')}\0`) pid = track(Number(name));
        } catch {
          /* gone */
        }
      }
      return pid !== 0;
    },
    10000,
    50,
  );
  if (!pid) throw new Error('the CLI did not start in the pty');
  return { driver, pid };
}

/** Closing the terminal: the driver holding the pty master dies, the kernel hangs up the session. */
async function hangUp(driver: ChildProcess): Promise<void> {
  driver.kill('SIGKILL');
  await new Promise((r) => (driver.exitCode !== null || driver.signalCode !== null ? r(null) : driver.on('exit', r)));
}

rit('a watch outlives its closed terminal (SIGHUP, then EIO on every write) and still saves the record', async () => {
  const victim = startDetached('sleep', ['1000']);
  const { driver, pid } = await inPty(['watch', '--backend', 'tracefs', String(victim)]);
  expect(await waitFor(() => instancesOf(pid).length === 1, 15000)).toBe(true);
  await hangUp(driver);
  // The status line is redrawn every second: two redraws onto the hung-up terminal must not end it.
  expect(await waitFor(() => !isAlive(pid), 2500)).toBe(false);
  process.kill(victim, 'SIGTERM');
  expect(
    await waitFor(() => recordsOf(stateDir).some((r) => r.pid === victim && r.cause.signal === 'SIGTERM'), 10000),
  ).toBe(true);
  expect(await waitFor(() => !isAlive(pid) && instancesOf(pid).length === 0, 10000)).toBe(true);
});

rit('a foreground recorder outlives its closed terminal and still records', async () => {
  const dir = fs.mkdtempSync(path.join(stateDir, 'rec-'));
  const { driver, pid } = await inPty(['record', '--state-dir', dir]);
  expect(await recording(dir)).toBe(true);
  await hangUp(driver);
  expect(await waitFor(() => !isAlive(pid), 1500)).toBe(false);
  const victim = startDetached('sleep', ['1000']);
  process.kill(victim, 'SIGKILL');
  expect(await waitFor(() => recordsOf(dir).some((r) => r.pid === victim && r.cause.signal === 'SIGKILL'), 10000)).toBe(
    true,
  );
  process.kill(pid, 'SIGTERM');
  expect(await waitFor(() => !isAlive(pid) && instancesOf(pid).length === 0, 10000)).toBe(true);
});

describe('signals to a watch', () => {
  const watchOf = async (): Promise<{ run: Run; victim: number; pid: number }> => {
    const victim = startDetached('sleep', ['1000']);
    const run = start(['watch', '--backend', 'tracefs', String(victim)]);
    const pid = run.child.pid as number;
    expect(await waitFor(() => instancesOf(pid).length === 1, 15000)).toBe(true);
    return { run, victim, pid };
  };

  rit.each<[NodeJS.Signals]>([['SIGHUP'], ['SIGPIPE']])(
    '%s does not end it; it still records the death and cleans up',
    async (sig) => {
      const { run, victim, pid } = await watchOf();
      process.kill(pid, sig);
      expect(await waitFor(() => !isAlive(pid), 1000)).toBe(false);
      process.kill(victim, 'SIGTERM');
      const res = await run.exited;
      expect(res.code).toBe(3);
      expect(recordsOf(stateDir).some((r) => r.pid === victim)).toBe(true);
      expect(instancesOf(pid)).toEqual([]);
    },
  );

  rit('SIGTERM: exit 143, instance removed', async () => {
    const { run, pid } = await watchOf();
    process.kill(pid, 'SIGTERM');
    expect((await run.exited).code).toBe(143);
    expect(instancesOf(pid)).toEqual([]);
  });

  rit("SIGKILL: the next whydied watch removes the dead run's instance", async () => {
    const { run, pid } = await watchOf();
    process.kill(pid, 'SIGKILL');
    await run.exited;
    const next = runCli(['watch', '--backend', 'tracefs', '--timeout', '0.3', String(process.pid)]);
    expect([0, 1]).toContain(next.status);
    expect(instancesOf(pid)).toEqual([]);
  });
});
