/**
 * whydied as root among hostile users: every file it writes is opened without following a link another
 * user planted, into directories only root or we can change (src/source/safe-write.ts). Each case plants the
 * real thing (a symlink or hard link owned by `nobody`, a state dir owned by `nobody`) and checks that the
 * victim file is untouched and the CLI says so in one line with exit 2. fs.protected_symlinks is turned off
 * for the duration (and restored), as on the hosts where it is off.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { saveRecords } from '../../src/source/records/store';
import { acquirePidfile, PIDFILE, releasePidfile } from '../../src/record/daemon-pidfile';
import { openAppend, safeWriteFile, secureDir } from '../../src/source/safe-write';
import { cleanupProcesses, isRoot, runCli, track, waitFor } from '../helpers/processes';
import type { DeathRecord } from '../../src/source/records/types';

const root = isRoot();
if (!root) console.log('skipping planted-link tests: planting links as another user needs root');
const NOBODY = 65534;
const SYSCTL = '/proc/sys/fs/protected_symlinks';
const SYSCTL_HL = '/proc/sys/fs/protected_hardlinks';

let tmp: string;
let victim: string;
const saved: Record<string, string> = {};
const VICTIM_TEXT = 'root secret, 0600\n';

function setSysctl(file: string, v: string): void {
  try {
    saved[file] ??= fs.readFileSync(file, 'utf8').trim();
    fs.writeFileSync(file, v);
  } catch {
    /* a container may not let us: the links below are then only as dangerous as the host allows */
  }
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-planted-'));
  if (!root) return;
  setSysctl(SYSCTL, '0');
  setSysctl(SYSCTL_HL, '0');
});

afterAll(() => {
  for (const [file, v] of Object.entries(saved)) fs.writeFileSync(file, v);
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  const vdir = fs.mkdtempSync(path.join(tmp, 'victim-'));
  victim = path.join(vdir, 'shadow');
  fs.writeFileSync(victim, VICTIM_TEXT, { mode: 0o600 });
});

/** A directory owned by `nobody` (mode 0755), as another user's own directory would be. */
function hostileDir(): string {
  const d = fs.mkdtempSync(path.join(tmp, 'hostile-'));
  fs.chmodSync(d, 0o755);
  fs.chownSync(d, NOBODY, NOBODY);
  return d;
}

/** A link owned by `nobody` at `at`, pointing at the victim. */
function plant(at: string, target = victim): void {
  fs.symlinkSync(target, at);
  fs.lchownSync(at, NOBODY, NOBODY);
}

function expectOneLineExit2(r: ReturnType<typeof runCli>, pattern: RegExp): void {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(pattern) });
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
}

const victimUntouched = (): void => {
  expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
  expect(fs.statSync(victim).mode & 0o777).toBe(0o600);
};

const rit = root ? it : it.skip;

describe('launch --log', () => {
  rit('refuses a log path that is a link planted in a sticky shared dir, and appends nothing', () => {
    const shared = fs.mkdtempSync(path.join(tmp, 'sticky-'));
    fs.chmodSync(shared, 0o1777);
    const log = path.join(shared, 'app.log');
    plant(log);
    const r = runCli(['launch', '--log', log, '--', '/bin/echo', 'INJECTED']);
    expectOneLineExit2(r, /symbolic link/);
    victimUntouched();
  });

  rit('refuses a log in a directory another user owns', () => {
    const d = hostileDir();
    const log = path.join(d, 'app.log');
    plant(log);
    const r = runCli(['launch', '--log', log, '--', '/bin/echo', 'INJECTED']);
    expectOneLineExit2(r, /owned by uid 65534/);
    victimUntouched();
  });

  rit('refuses a hard link to another file and a file on /proc', () => {
    const d = fs.mkdtempSync(path.join(tmp, 'mine-'));
    const hl = path.join(d, 'app.log');
    fs.linkSync(victim, hl);
    expectOneLineExit2(runCli(['launch', '--log', hl, '--', '/bin/echo', 'INJECTED']), /hard links/);
    victimUntouched();
    expectOneLineExit2(runCli(['launch', '--log', '/proc/version', '--', '/bin/true']), /proc, not a real filesystem/);
  });
});

describe('capture -o', () => {
  rit('replaces a planted link (never writes through it) or refuses it; the victim is untouched', () => {
    const shared = fs.mkdtempSync(path.join(tmp, 'sticky-'));
    fs.chmodSync(shared, 0o1777);
    const out = path.join(shared, 'case.json');
    plant(out);
    expectOneLineExit2(runCli(['capture', String(process.pid), '-o', out]), /symbolic link/);
    victimUntouched();
    const d = hostileDir();
    plant(path.join(d, 'case.json'));
    expectOneLineExit2(runCli(['capture', String(process.pid), '-o', path.join(d, 'case.json')]), /owned by uid 65534/);
    victimUntouched();
  });

  it('a bundle written over an existing 0644 file is 0600', () => {
    const out = path.join(fs.mkdtempSync(path.join(tmp, 'mine-')), 'case.json');
    fs.writeFileSync(out, 'old', { mode: 0o644 });
    fs.chmodSync(out, 0o644);
    const r = runCli(['capture', String(process.pid), '-o', out]);
    expect(r.status).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).format).toBe('whydied.bundle/1');
  });
});

describe('state dir', () => {
  const rec = (pid: number): DeathRecord =>
    ({
      v: 1,
      pid,
      startTime: 1,
      bootId: 'b',
      comm: 'x',
      argvHead: [],
      cause: { kind: 'exit', exitCode: 0, source: 'watch' },
      seenAt: new Date().toISOString(),
    }) as unknown as DeathRecord;

  rit(
    'a state dir owned by another user is refused (exit 2) and nothing goes through its planted records.jsonl',
    async () => {
      const d = hostileDir();
      plant(path.join(d, 'records.jsonl'));
      expect(() => saveRecords([rec(1)], { dir: d })).toThrow(/owned by uid 65534/);
      victimUntouched();
      const child = spawn('sleep', ['30'], { stdio: 'ignore' });
      track(child.pid as number);
      const r = runCli(['watch', String(child.pid), '--backend', 'poll', '--timeout', '5'], {
        env: { WHYDIED_STATE_DIR: d },
      });
      expectOneLineExit2(r, /state dir .* owned by uid 65534/);
      victimUntouched();
      // launch too: its default log and registry live in the state dir.
      expectOneLineExit2(
        runCli(['launch', '--', '/bin/true'], { env: { WHYDIED_STATE_DIR: d } }),
        /owned by uid 65534/,
      );
      victimUntouched();
    },
  );

  rit('a records.jsonl link inside our own state dir is not followed', () => {
    const d = fs.mkdtempSync(path.join(tmp, 'state-'));
    plant(path.join(d, 'records.jsonl'));
    expect(() => saveRecords([rec(2)], { dir: d })).toThrow(/symbolic link/);
    victimUntouched();
  });

  it('a state dir on /proc or with a control character is a clear usage error, quickly', () => {
    const t0 = Date.now();
    expectOneLineExit2(runCli(['record', '--state-dir', '/proc/x'], { timeoutMs: 10000 }), /state dir|needs root/);
    expect(Date.now() - t0).toBeLessThan(8000);
    const r = runCli(['record', '--print-unit', '--state-dir', '/tmp/a\nExecStartPre=/bin/touch /tmp/pwned']);
    expectOneLineExit2(r, /control (or bidi )?characters/);
    expect(r.stdout).toBe('');
  });

  it('the unit keeps % and $ literal', () => {
    const r = runCli(['record', '--print-unit', '--state-dir', '/srv/a%nb$HOME']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--state-dir "?\/srv\/a%%nb\$\$HOME"?/);
  });
});

describe('safe-write module', () => {
  rit('secureDir refuses a path through a link another user owns, and a world-writable non-sticky dir', () => {
    const d = fs.mkdtempSync(path.join(tmp, 'mine-'));
    const link = path.join(d, 'via');
    fs.symlinkSync(d, link);
    fs.lchownSync(link, NOBODY, NOBODY);
    expect(() => secureDir(path.join(link, 'sub'), 'dir', true)).toThrow(/symbolic link owned by uid 65534/);
    const open = fs.mkdtempSync(path.join(tmp, 'open-'));
    fs.chmodSync(open, 0o777);
    expect(() => safeWriteFile(path.join(open, 'f'), 'x')).toThrow(/writable by other users/);
  });

  it('creates missing directories 0700 and files 0600; appends keep earlier content', () => {
    const d = path.join(fs.mkdtempSync(path.join(tmp, 'mine-')), 'a', 'b');
    safeWriteFile(path.join(d, 'f'), 'one\n', { createDir: true });
    expect(fs.statSync(d).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(d, 'f')).mode & 0o777).toBe(0o600);
    const fd = openAppend(path.join(d, 'f'));
    fs.writeSync(fd, 'two\n');
    fs.closeSync(fd);
    expect(fs.readFileSync(path.join(d, 'f'), 'utf8')).toBe('one\ntwo\n');
    expect(fs.readdirSync(d)).toEqual(['f']);
  });
});

describe('recorder pidfile', () => {
  it('a pidfile naming an unrelated process (even one with "whydied record" in its arguments) does not block the recorder', async () => {
    const d = fs.mkdtempSync(path.join(tmp, 'pid-'));
    const other = spawn('python3', ['-c', 'import time; time.sleep(60)', '/usr/bin/whydied', 'record'], {
      stdio: 'ignore',
    });
    track(other.pid as number);
    await waitFor(
      () =>
        fs.existsSync(`/proc/${other.pid}/cmdline`) &&
        fs.readFileSync(`/proc/${other.pid}/cmdline`, 'utf8').includes('record'),
    );
    fs.writeFileSync(path.join(d, PIDFILE), `${other.pid}\n`);
    const file = acquirePidfile(d);
    expect(fs.readFileSync(file, 'utf8').split(' ')[0]).toBe(String(process.pid));
    releasePidfile(file);
    other.kill('SIGKILL');
  });
});
