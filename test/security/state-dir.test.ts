/**
 * The state dir is checked before anything is changed (issue 24): `watch`, `launch`, `run` and `record`, run
 * as root, refuse a shared, foreign or link-reached state dir with one line and exit 2, and leave it exactly
 * as it was (never a chmod of a directory whydied did not create). The attacker is a real unprivileged user
 * (`nobody`, through setpriv): it plants a 0666 records.jsonl in a shared directory and keeps it open, and
 * must read nothing of root's records.
 */
import { spawn, ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isRoot, runCli, track } from '../helpers/processes';
import { ensureStateDir } from '../../src/source/records/state-dir';

const root = isRoot();
if (!root) console.log('skipping state-dir attack tests: playing another user against root whydied needs root');
const rit = root ? it : it.skip;
const NOBODY = 65534;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-statedir-'));
  fs.chmodSync(tmp, 0o755); // nobody must reach the directories below
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const modeOf = (p: string): number => fs.statSync(p).mode & 0o7777;

/** A directory like /tmp: root's, world-writable, sticky. */
function sharedDir(): string {
  const d = fs.mkdtempSync(path.join(tmp, 'shared-'));
  fs.chmodSync(d, 0o1777);
  return d;
}

/** Run a shell snippet as nobody (real uid/gid change, no groups), stdio piped. */
function asNobody(script: string): ChildProcessWithoutNullStreams {
  const child = spawn(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', '/usr/bin/python3', '-c', script],
    { stdio: 'pipe' },
  );
  track(child.pid as number);
  return child;
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`no line from the attacker; stderr so far: ${buf}`)), 10000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(buf.slice(0, nl));
      }
    });
    child.stderr.on('data', (d: Buffer) => (buf += d.toString()));
  });
}

function expectOneLineExit2(r: ReturnType<typeof runCli>, pattern: RegExp): void {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(pattern) });
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
}

/** Each command that writes into the state dir, run against `dir`. */
const COMMANDS: Array<[string, (dir: string) => ReturnType<typeof runCli>]> = [
  ['launch', (dir) => runCli(['launch', '--', '/bin/true'], { env: { WHYDIED_STATE_DIR: dir } })],
  ['run', (dir) => runCli(['run', '--', '/bin/true'], { env: { WHYDIED_STATE_DIR: dir } })],
  [
    'watch',
    (dir) =>
      runCli(['watch', String(process.pid), '--backend', 'poll', '--timeout', '1'], {
        env: { WHYDIED_STATE_DIR: dir },
      }),
  ],
  ['record', (dir) => runCli(['record', '--state-dir', dir], { timeoutMs: 15000 })],
];

describe('a shared state dir (like WHYDIED_STATE_DIR=/tmp)', () => {
  for (const [name, run] of COMMANDS) {
    rit(`${name}: refused with one line, exit 2, and its mode (1777) left as it was`, () => {
      const d = sharedDir();
      expectOneLineExit2(run(d), /state dir .* writable by other users \(mode 1777\)/);
      expect(modeOf(d)).toBe(0o1777);
      expect(fs.readdirSync(d)).toEqual([]);
    });
  }

  rit('a records.jsonl planted 0666 and held open by nobody is never written: the attacker reads nothing', async () => {
    const d = sharedDir();
    const file = path.join(d, 'records.jsonl');
    // The attacker creates the file, keeps it open, and on a line from us says how many bytes it can read.
    const attacker = asNobody(
      [
        'import os, sys',
        `fd = os.open(${JSON.stringify(file)}, os.O_RDWR | os.O_CREAT, 0o666)`,
        `os.fchmod(fd, 0o666)`,
        'print("ready", flush=True)',
        'sys.stdin.readline()',
        'print(len(os.pread(fd, 1 << 20, 0)), flush=True)',
      ].join('\n'),
    );
    expect(await firstLine(attacker)).toBe('ready');
    expect(fs.statSync(file).uid).toBe(NOBODY);
    for (const [, run] of COMMANDS) expect(run(d).status).toBe(2);
    // Also a state dir that is ours and private but holds such a file (a dir once shared, now tightened).
    const own = fs.mkdtempSync(path.join(tmp, 'own-'));
    const planted = path.join(own, 'records.jsonl');
    fs.writeFileSync(planted, '');
    fs.chmodSync(planted, 0o666);
    // run passes CMD's status through (143) and says why its record was not kept.
    const r = runCli(['run', '--', '/bin/sh', '-c', 'kill -TERM $$'], { env: { WHYDIED_STATE_DIR: own } });
    expect(r.status).toBe(143);
    expect(r.stderr).toMatch(/records file .* not private to uid 0/);
    expect(fs.statSync(planted).size).toBe(0);
    const read = firstLine(attacker);
    attacker.stdin.write('go\n');
    expect(await read).toBe('0');
    expect(modeOf(d)).toBe(0o1777);
  });
});

describe('nothing of an existing state dir changes', () => {
  rit('a setgid 2750 state dir of ours is used as it is (not chmodded to 0700)', () => {
    const d = fs.mkdtempSync(path.join(tmp, 'setgid-'));
    fs.chmodSync(d, 0o2750);
    const r = runCli(['run', '--', '/bin/sh', '-c', 'exit 3'], { env: { WHYDIED_STATE_DIR: d } });
    expect(r.status).toBe(3);
    expect(modeOf(d)).toBe(0o2750);
    expect(fs.readFileSync(path.join(d, 'records.jsonl'), 'utf8')).toMatch(/"exitCode":3/);
    expect(modeOf(path.join(d, 'records.jsonl'))).toBe(0o600);
  });

  rit("a path through nobody's symlink is refused, and the directory it points at keeps its mode", () => {
    const target = fs.mkdtempSync(path.join(tmp, 'target-'));
    fs.mkdirSync(path.join(target, 'state'), { mode: 0o755 });
    fs.chmodSync(path.join(target, 'state'), 0o755);
    const hostile = fs.mkdtempSync(path.join(tmp, 'hostile-'));
    fs.chownSync(hostile, NOBODY, NOBODY);
    const via = path.join(hostile, 'via');
    fs.symlinkSync(target, via);
    fs.lchownSync(via, NOBODY, NOBODY);
    for (const [, run] of COMMANDS) {
      expectOneLineExit2(run(path.join(via, 'state')), /symbolic link owned by uid 65534/);
      expect(modeOf(path.join(target, 'state'))).toBe(0o755);
    }
  });

  rit('a state dir owned by nobody is refused and keeps its owner and mode', () => {
    const d = fs.mkdtempSync(path.join(tmp, 'theirs-'));
    fs.chmodSync(d, 0o755);
    fs.chownSync(d, NOBODY, NOBODY);
    for (const [, run] of COMMANDS) expectOneLineExit2(run(d), /owned by uid 65534/);
    expect(modeOf(d)).toBe(0o755);
    expect(fs.readdirSync(d)).toEqual([]);
  });

  it('ensureStateDir creates a missing dir 0700 and checks an existing one without changing it', () => {
    const fresh = path.join(fs.mkdtempSync(path.join(tmp, 'mk-')), 'a', 'b');
    expect(ensureStateDir(fresh)).toBe(fresh);
    expect(modeOf(fresh)).toBe(0o700);
    const loose = fs.mkdtempSync(path.join(tmp, 'loose-'));
    fs.chmodSync(loose, 0o755);
    ensureStateDir(loose);
    expect(modeOf(loose)).toBe(0o755);
    fs.chmodSync(loose, 0o775);
    expect(() => ensureStateDir(loose)).toThrow(/writable by other users \(mode 775\)/);
    expect(modeOf(loose)).toBe(0o775);
  });
});
