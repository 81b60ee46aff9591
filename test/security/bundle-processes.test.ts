/**
 * A capture bundle holds other processes only as far as the report shows them (src/source/bundle-processes.ts):
 * a real target (python listening on a TCP port) in a process group with a mate whose command line holds an
 * `--api-key=`, beside another listener on the host and pid 1's open files. The bundle keeps the target's
 * ancestors' command lines and its own socket, drops the mate's arguments, the other listener's row, other
 * processes' unrelated fds and CPU counters, and replays to the same report as the live diagnosis.
 */
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { cleanupProcesses, runCli, track, waitFor } from '../helpers/processes';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { prefetchForCapture } from '../../src/source/prefetch';
import { createBundleSource } from '../../src/source/bundle-source';
import { minimizeBundle } from '../../src/source/bundle-minimize';
import { reportsForQuery } from '../../src/engine/reports-for-query';
import { loadChecksAndRules } from '../../src/api/load';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-bundle-procs-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const LISTEN = (portFile: string): string =>
  `import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen()\nopen(${JSON.stringify(portFile)},"w").write(str(s.getsockname()[1]))\ntime.sleep(120)`;

it("holds the target's ancestry, its socket and mates by name only, and replays to the same report", async () => {
  const secret = `KEY${randomBytes(6).toString('hex')}`;
  const portFile = path.join(tmp, 'port');
  const otherPortFile = path.join(tmp, 'other-port');
  // A shell whose group holds the target (a listener) and a mate with a secret in its arguments.
  const shell = spawn(
    'sh',
    [
      '-c',
      `python3 -c '${LISTEN(portFile).replace(/'/g, `'"'"'`)}' & python3 -c 'import time; time.sleep(120)' --api-key=$API_KEY & wait`,
    ],
    // The key reaches the mate's argv through the shell's environment (never stored): not in the shell's argv.
    { stdio: 'ignore', detached: true, env: { ...process.env, API_KEY: secret } },
  );
  track(shell.pid as number);
  // Another listener elsewhere on the host: its row must not travel with this target's bundle.
  const other: ChildProcess = spawn('python3', ['-c', LISTEN(otherPortFile)], { stdio: 'ignore' });
  track(other.pid as number);
  expect(await waitFor(() => fs.existsSync(portFile) && fs.existsSync(otherPortFile), 10000)).toBe(true);
  await waitFor(() => fs.readFileSync(portFile, 'utf8') !== '' && fs.readFileSync(otherPortFile, 'utf8') !== '');
  const port = Number(fs.readFileSync(portFile, 'utf8'));
  const otherPort = Number(fs.readFileSync(otherPortFile, 'utf8'));
  const hex = (p: number): string => `:${p.toString(16).toUpperCase().padStart(4, '0')} `;

  const live = runCli([`:${port}`, '--json']);
  const pid = (JSON.parse(live.stdout) as { reports: Array<{ target: { pid: number } }> }).reports[0].target.pid;
  const out = path.join(tmp, 'case.json');
  expect(runCli(['capture', String(pid), '-o', out]).status).toBe(0);
  const text = fs.readFileSync(out, 'utf8');
  const bundle = JSON.parse(text) as {
    texts: Record<string, string>;
    links: Record<string, string>;
    dirs: Record<string, string[]>;
  };

  // The mate's arguments are gone (argv[0] only); the target's and its shell's command lines are whole.
  expect(text).not.toContain(secret);
  expect(bundle.texts[`/proc/${pid}/cmdline`]).toContain('socket.socket()');
  expect(bundle.texts[`/proc/${shell.pid}/cmdline`]).toContain('python3 -c');
  // Socket tables: the target's listener only.
  const tcp = bundle.texts['/proc/net/tcp'];
  expect(tcp).toContain(hex(port));
  expect(tcp).not.toContain(hex(otherPort));
  expect(tcp.trim().split('\n')).toHaveLength(2);
  // pid 1's fds: none unless shared with the target (it shares none here).
  expect(bundle.dirs['/proc/1/fd'] ?? []).toEqual([]);
  expect(Object.keys(bundle.links).filter((k) => k.startsWith('/proc/1/fd/'))).toEqual([]);
  // An unrelated process's stat: identity kept, counters zeroed (utime, field 14).
  const otherStat = bundle.texts[`/proc/${other.pid}/stat`];
  if (otherStat !== undefined) {
    const f = otherStat.slice(otherStat.lastIndexOf(')') + 2).split(' ');
    expect(f[1]).toBe(String(process.pid));
    expect(f[11]).toBe('0');
  }

  // The replay: the capture's own diagnosis and the minimized bundle's must say the same (done in process,
  // as capture does, so the busy host cannot change between the two: ranks count every process).
  const live2 = createLiveSource({ recordsIndex: false, record: true });
  const facts = createFacts(live2);
  await prefetchForCapture(facts, pid);
  const { checks, rules } = await loadChecksAndRules([]);
  const [a] = await reportsForQuery({ query: String(pid), facts, checks, rules });
  const host = facts.host();
  const minimized = minimizeBundle(
    live2.snapshot({ query: String(pid), pid }),
    { pid, names: ['python3'] },
    { bootTimeMs: host.bootTime * 1000, currentBootId: host.bootId },
  );
  expect(JSON.stringify(minimized)).not.toContain(secret);
  const [b] = await reportsForQuery({
    query: String(pid),
    facts: createFacts(createBundleSource(minimized)),
    checks,
    rules,
  });
  expect(b.verdict).toEqual(a.verdict);
  expect(b.checks.map((c) => [c.id, c.status, c.summary])).toEqual(a.checks.map((c) => [c.id, c.status, c.summary]));
  // And the CLI replays the file it wrote.
  const replay = runCli(['--from', out, String(pid), '--json']);
  expect(replay.status).toBe(live.status);
});
