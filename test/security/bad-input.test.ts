/**
 * The bad inputs issue 8 listed, each pinned: an option missing its value, `-bash`, empty or absurd values,
 * control and bidi characters echoed in error lines, a crafted bundle time. Bad input is one `whydied: ` line
 * on stderr, exit 2, nothing raw. Runs the built CLI.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { cleanupProcesses, runCli, track } from '../helpers/processes';

const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-bad-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function usage(args: string[], pattern: RegExp): string {
  const r = runCli(args, { timeoutMs: 15000 });
  expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: '' });
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^whydied: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).not.toMatch(RAW);
  return lines[0];
}

it.each<[string[]]>([
  [['1', '--only']],
  [['1', '--skip']],
  [['1', '--check']],
  [['1', '--from']],
  [['1', '--format']],
  [['capture', '1', '-o']],
  [['capture', '1', '--check']],
  [['launch', '--log']],
  [['launch', '--name']],
  [['record', '--state-dir']],
  [['record', '--cap-mb']],
  [['record', '--buffer-kb']],
  [['watch', '1', '--timeout']],
  [['watch', '1', '--backend']],
])('an option without its value: whydied %j', (args) => {
  usage(args, /Not enough arguments following/);
});

it('`-bash` is a usage error that says how to name it; `whydied -- -bash` looks the name up', () => {
  usage(['-bash'], /whydied -- -bash/);
  const r = runCli(['--json', '--', '-bash']);
  expect(r.status).toBe(4);
  expect(JSON.parse(r.stdout).reports[0].target).toMatchObject({ query: '-bash' });
});

it('a login shell (argv[0] -bash) is found by `whydied -- -bash`', async () => {
  const child = spawn('bash', ['-c', 'exec -a -bash sleep 30'], { stdio: 'ignore' });
  const pid = track(child.pid as number);
  const r = runCli(['--json', '--', '-bash']);
  const reports = JSON.parse(r.stdout).reports as Array<{ process: { pid: number } | null }>;
  expect(reports.map((x) => x.process?.pid)).toContain(pid);
});

it('empty and absurd values', () => {
  usage(['1', '--only', ''], /--only needs at least one check id/);
  usage(['1', '--skip', ','], /--skip needs at least one check id/);
  usage(['record', '--cap-mb', '1e-9'], /--cap-mb/);
  usage(['record', '--cap-mb', 'NaN'], /--cap-mb/);
});

it.each<[string]>([['abc'], ['0'], ['-1'], [''], ['1e400'], ['2147484'], ['99999999']])(
  'watch --timeout %j is refused before watching',
  (t) => {
    usage(['watch', String(process.pid), '--timeout', t], /--timeout/);
  },
);

it('a valid --timeout stops the watch after that long', () => {
  const t0 = Date.now();
  const r = runCli(['watch', String(process.pid), '--backend', 'poll', '--timeout', '0.5', '--json']);
  // Still alive when the watch stops: 0 or 1 (this jest process may be at risk), never a wait forever.
  expect([0, 1]).toContain(r.status);
  expect(JSON.parse(r.stdout).reports[0].state).toBe('alive');
  expect(Date.now() - t0).toBeLessThan(10000);
});

it('error lines never echo raw control or bidi characters from arguments or file names', () => {
  for (const evil of ['\x1b[31mred', 'a\u061cb', '\u202eexe.txt', 'x\u2066y\u2069', 'nl\rcr', '\u200f']) {
    const line = usage(['capture', evil], /capture takes a PID/);
    expect(line).toMatch(/\\x1b|\\u061c|\\u202e|\\u2066|\\r|\\u200f/);
    usage(['--from', path.join(tmp, `${evil}.json`), '1'], /cannot read bundle/);
    usage(['launch', '--', `/nonexistent/${evil}`], /command not found/);
  }
});

it('a bundle with an impossible capture time is a usage error, not "Invalid time value"', () => {
  const b = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'scenarios', 'gone', 'bundle.json'), 'utf8'),
  );
  b.capturedAtMs = 1e300;
  const file = path.join(tmp, 'time.json');
  fs.writeFileSync(file, JSON.stringify(b));
  usage(['--from', file, String(b.target.pid)], /capturedAtMs/);
});

it('--state-dir on /proc fails at once instead of spinning', () => {
  const t0 = Date.now();
  const r = runCli(['launch', '--', '/bin/true'], { env: { WHYDIED_STATE_DIR: '/proc/x/y' }, timeoutMs: 10000 });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/proc, not a real filesystem/);
  expect(Date.now() - t0).toBeLessThan(8000);
});
