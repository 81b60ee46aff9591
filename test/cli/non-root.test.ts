/**
 * Diagnosing another user's process without privileges: the built CLI run as nobody (setpriv) against a
 * root-owned `sleep`. Checks that need files only the owner may read (/proc/PID/fd, /proc/PID/environ) say what
 * they could not read and why; the rest still run. `record` refuses in one line; `watch` does not crash.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isAlive, isRoot, startDetached } from '../helpers/processes';
import { expectValidReports } from '../helpers/schema';

const NOBODY = 65534;
const REPO = path.join(__dirname, '..', '..');
const STACK = /\n\s+at [^\n]*[(:]/;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});

let tmp = '';
let home = '';
/** main.js of a CLI tree nobody can read and traverse (the repo's, or a world-readable copy). */
let main = '';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function asNobody(args: string[], timeoutMs = 30000): Run {
  const r = spawnSync(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, main, ...args],
    {
      encoding: 'utf8',
      cwd: home,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1' },
      timeout: timeoutMs,
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Can nobody load this CLI tree? `checks` touches no process, so it is the cheapest full load. */
function loadsAsNobody(candidate: string): boolean {
  main = candidate;
  return asNobody(['checks'], 20000).status === 0;
}

/** Null when the CLI runs as nobody (after copying it somewhere readable if needed), else why not. */
function prepare(): string | null {
  if (!isRoot()) return 'not root: cannot switch to nobody to test unprivileged behaviour';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv is not installed';
  if (!fs.existsSync(path.join(REPO, 'dist', 'src', 'cli', 'main.js'))) return 'dist is not built';
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-nonroot-'));
  fs.chmodSync(tmp, 0o755);
  home = path.join(tmp, 'home');
  fs.mkdirSync(home, { mode: 0o755 });
  if (loadsAsNobody(path.join(REPO, 'dist', 'src', 'cli', 'main.js'))) return null;
  // A parent of the checkout is not traversable for nobody: run a world-readable copy instead.
  const copy = path.join(tmp, 'cli');
  for (const part of ['dist', 'node_modules', 'package.json', 'schema']) {
    const from = path.join(REPO, part);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(copy, part), { recursive: true });
  }
  spawnSync('chmod', ['-R', 'a+rX', copy]);
  if (loadsAsNobody(path.join(copy, 'dist', 'src', 'cli', 'main.js'))) return null;
  return 'the built CLI cannot be loaded by nobody, even from a world-readable copy';
}

const reason = prepare();
if (reason) console.log(`skipping non-root tests: ${reason}`);
const maybe = reason ? describe.skip : describe;
let target = 0;

beforeAll(() => {
  if (!reason) target = startDetached('sleep', ['300']);
});

afterAll(() => {
  cleanupProcesses();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function check(report: Json, id: string): Json {
  const c = (report.checks as Json[]).find((x) => x.id === id);
  if (!c) throw new Error(`no ${id} check in the report`);
  return c;
}

const text = (c: Json): string => [String(c.summary), ...((c.details as string[] | undefined) ?? [])].join('\n');

maybe('whydied as nobody', () => {
  it('diagnoses a root-owned process: unreadable fds and environ are explained, the other checks run', () => {
    expect(fs.statSync(`/proc/${target}`).uid).toBe(0);
    const r = asNobody([String(target), '--json']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.status);
    const [report] = expectValidReports(r.stdout);
    expect(report.state).toBe('alive');
    expect(obj(report.process)).toMatchObject({ pid: target, uid: 0, comm: 'sleep', argv: ['sleep', '300'] });

    for (const c of report.checks as Json[])
      expect({ id: c.id, status: c.status }).not.toEqual({ id: c.id, status: 'error' });

    expect(check(report, 'existence')).toMatchObject({ status: 'pass', code: 'alive' });
    // /proc/PID/status is world-readable: signal masks still decode.
    const signals = check(report, 'signals');
    expect(signals.code).not.toBe('unreadable');
    expect(['pass', 'info', 'warn']).toContain(signals.status);
    expect(check(report, 'parent-chain').status).toBe('pass');
    expect(check(report, 'tty')).toMatchObject({ status: 'pass', code: 'no-tty' });
    expect(check(report, 'memory').status).not.toBe('skip');

    const stdio = check(report, 'stdio');
    expect(stdio).toMatchObject({ status: 'info', code: 'unreadable' });
    expect(String(stdio.summary)).toContain(`/proc/${target}/fd`);
    expect(String(stdio.summary)).toMatch(/permission denied/i);
    expect(String(obj(stdio.evidence).unreadable)).toMatch(/^(EACCES|EPERM)\b/);

    const ci = check(report, 'ci-environment');
    expect(ci.code).toBe('unreadable');
    expect(['info', 'warn']).toContain(ci.status);
    expect(text(ci)).toContain(`/proc/${target}/environ`);
    expect(text(ci)).toMatch(/EACCES|EPERM/);
    expect(text(ci)).toMatch(/another user/);
    // Names only, never values: nothing was read, so no marker is claimed.
    expect(obj(ci.evidence).markers).toEqual([]);

    // exe and cwd links are the owner's: unknown, not guessed.
    expect(obj(report.process).exe).toBeNull();
    expect(obj(report.process).cwd).toBeNull();

    // The kernel log readers that were refused are named in the evidence.
    const klog = check(report, 'kernel-log');
    expect(klog.status).not.toBe('error');
    const dmesgRestricted = fs.readFileSync('/proc/sys/kernel/dmesg_restrict', 'utf8').trim() === '1';
    if (dmesgRestricted)
      expect((obj(klog.evidence).unreadable as string[]).join('\n')).toMatch(/\/dev\/kmsg: permission denied/);
    expect(isAlive(target)).toBe(true);
  });

  it('record refuses: one line on stderr, exit 2', () => {
    for (const args of [['record'], ['record', '--daemon']]) {
      const r = asNobody(args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^whydied: record needs root/);
    }
  });

  it('watch --backend tracefs refuses: one line on stderr, exit 2', () => {
    const r = asNobody(['watch', String(target), '--backend', 'tracefs']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('whydied: --backend tracefs needs root');
  });

  it('watch (auto) of a root process: no crash, no invented death, and the report says why it could not watch', () => {
    // --timeout bounds a watch that falls back to polling a process that never ends.
    const r = asNobody(['watch', String(target), '--json', '--timeout', '3']);
    expect(r.stderr).not.toMatch(STACK);
    expect([0, 1]).toContain(r.status);
    expect(isAlive(target)).toBe(true);
    const [report] = expectValidReports(r.stdout);
    expect(report.state).toBe('alive');
    expect(obj(report.verdict).cause).toBeNull();
    const w = check(report, 'watch');
    expect(w).toMatchObject({ status: 'warn', code: 'watched-unknown' });
    const ev = obj(w.evidence);
    expect(String(ev.fallbackReason)).toMatch(/tracefs needs root/);
    expect(['ptrace', 'poll']).toContain(ev.backend);
    // strace cannot attach to another user's process: the reason is passed on to the user.
    if (ev.backend === 'ptrace') expect(String(w.summary)).toMatch(/not permitted/i);
  });

  // A refused ptrace attach is not a death: the watch falls back to polling and never claims it ended.
  it('watch does not say a live process ended', () => {
    const r = asNobody(['watch', String(target), '--json', '--timeout', '3']);
    const [report] = expectValidReports(r.stdout);
    const w = check(report, 'watch');
    expect(obj(w.evidence).endedAt).toBeNull();
    expect(String(w.summary)).not.toMatch(/^ended/);
  }, 60000);
});
