/**
 * A real systemd 252 booted with systemd-nspawn (scripts/systemd-env.sh) for reality tests: boot and
 * tear down, run commands inside as root, ssh login sessions as the test user, and whydied inside (the
 * host's node and this checkout are bind-mounted read-only at the same paths).
 *
 * The jest project `systemd` boots once in its global setup (test/systemd/global-setup.ts) and powers
 * off in its global teardown; a test file only calls `available()` and the helpers below.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Report } from '../../src/engine/types';
import { sessionsVia, StdinSession } from '../helpers/stdin-session';

export const CHECKOUT = path.resolve(__dirname, '../..');
export const ENV_SCRIPT = path.join(CHECKOUT, 'scripts/systemd-env.sh');
export const STATE_DIR = '/run/whydied-systemd-env';
export const TEST_USER = 'alice';
export const TEST_UID = 1000;
/** Where global setup leaves the reason the environment is not up (read by every test file). */
export const SKIP_FILE = path.join(os.tmpdir(), 'whydied-systemd-skip');
// The bin users run (the bundle); the checkout is bind-mounted read-only at the same path inside.
const CLI = path.join(CHECKOUT, 'dist/whydied.js');
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function script(args: string[], timeoutMs: number): Result {
  // The node running the tests is the one whydied runs with inside.
  const r = spawnSync(ENV_SCRIPT, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, WHYDIED_SYSTEMD_NODE: process.execPath },
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** Why this machine cannot boot the environment, or null. */
export function cannotBoot(): string | null {
  if (process.getuid?.() !== 0) return 'not root (systemd-nspawn needs root)';
  const r = script(['check'], 10000);
  return r.code === 0 ? null : r.stdout.trim() || r.stderr.trim() || 'systemd-env.sh check failed';
}

/** Boot (idempotent). Returns the container's PID 1 as the host sees it and how long it took. */
export function boot(): { leader: number; ms: number } {
  const t0 = Date.now();
  // A first boot debootstraps (~50-90 s); later ones take a few seconds.
  const r = script(['up'], 600000);
  const m = /running (\d+)/.exec(r.stdout);
  if (r.code !== 0 || !m)
    throw new Error(`systemd-env.sh up failed (${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' / ')}`);
  return { leader: Number(m[1]), ms: Date.now() - t0 };
}

export function teardown(): Result {
  return script(['down'], 120000);
}

/** The container's PID 1 (host pid), or null when the environment is not up. */
export function leader(): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(STATE_DIR, 'leader'), 'utf8').trim());
    return pid > 0 &&
      fs.existsSync(path.join(STATE_DIR, 'ready')) &&
      fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'systemd'
      ? pid
      : null;
  } catch {
    return null;
  }
}

/** Null when the environment is up; otherwise the reason to print when skipping. */
export function unavailable(): string | null {
  if (leader() !== null) return null;
  try {
    return fs.readFileSync(SKIP_FILE, 'utf8').trim() || 'the systemd environment is not up';
  } catch {
    return 'the systemd environment is not up (run through the jest project `systemd`, whose global setup boots it)';
  }
}

function nsenterArgv(cmd: string): string[] {
  const pid = leader();
  if (pid === null) throw new Error('the systemd environment is not up');
  return [
    '-t',
    String(pid),
    '-m',
    '-u',
    '-i',
    '-n',
    '-p',
    '-C',
    '--',
    '/usr/bin/env',
    '-i',
    `PATH=${PATH}`,
    'HOME=/root',
    'LANG=C.UTF-8',
    '/bin/sh',
    '-c',
    cmd,
  ];
}

/** Run `cmd` (sh -c) inside as root, outside any unit (like an admin's nsenter shell). */
export function sh(cmd: string, timeoutMs = 30000): Result {
  const r = spawnSync('nsenter', nsenterArgv(cmd), { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** Like sh, but throws with the output when the command fails; returns trimmed stdout. */
export function must(cmd: string, timeoutMs = 30000): string {
  const r = sh(cmd, timeoutMs);
  if (r.code !== 0) throw new Error(`inside: ${cmd} -> ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

/** Write a file inside (through base64: no quoting of the content). */
export function writeInside(file: string, content: string): void {
  must(`echo ${Buffer.from(content).toString('base64')} | base64 -d > '${file}'`);
}

/** Poll a command inside until it exits 0 (true) or the time is up (false). */
export async function waitInside(cmd: string, timeoutMs = 15000, stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (sh(cmd).code === 0) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** systemctl show UNIT -p PROP --value, inside. */
export function unitProp(unit: string, prop: string): string {
  return must(`systemctl show ${unit} -p ${prop} --value`);
}

export interface WhydiedRun extends Result {
  reports: Report[];
}

/** `node dist/whydied.js ARGS --json` inside as root (a private state dir, so no machine state leaks in). */
export function whydied(args: string[], timeoutMs = 60000): WhydiedRun {
  const quoted = [CLI, ...args, '--json'].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = sh(`d=$(mktemp -d) && WHYDIED_STATE_DIR=$d node ${quoted}; rc=$?; rm -rf "$d"; exit $rc`, timeoutMs);
  let reports: Report[] = [];
  try {
    // One envelope `{schema, reports}` whatever the number of matches (whydied.report/2).
    const parsed = JSON.parse(r.stdout) as { reports?: Report[] } | Report | Report[];
    reports = Array.isArray(parsed)
      ? parsed
      : 'reports' in parsed && Array.isArray(parsed.reports)
        ? parsed.reports
        : [parsed as Report];
  } catch {
    /* not JSON: the caller sees stdout/stderr */
  }
  return { ...r, reports };
}

/** The one report for a target, or a thrown error with what whydied printed. */
export function report(args: string[]): Report {
  const r = whydied(args);
  if (r.reports.length === 0)
    throw new Error(`whydied ${args.join(' ')} -> ${r.code}: ${r.stderr.trim()} ${r.stdout.slice(0, 500)}`);
  return r.reports[0];
}

export function check(rep: Report, id: string): Report['checks'][number] {
  const f = rep.checks.find((c) => c.id === id);
  if (!f) throw new Error(`no ${id} check in ${rep.checks.map((c) => c.id).join(',')}`);
  return f;
}

/**
 * An ssh login of the test user over 127.0.0.1 inside (sshd + PAM + logind: a real session-N.scope).
 * Commands go to a remote bash on stdin; ending stdin logs out (test/helpers/stdin-session.ts).
 */
export class Login extends StdinSession {
  constructor(user = TEST_USER) {
    const cmd = `exec ssh -T -o BatchMode=yes ${user}@127.0.0.1 'exec /bin/bash --noprofile --norc'`;
    super('nsenter', nsenterArgv(cmd), { timeoutMs: 20000, pollMs: 20, stderr: false });
  }
}

/** A user's logind sessions inside (ids), to wait for a logout to be processed. */
export function sessionsOf(user = TEST_USER): string[] {
  return sessionsVia(sh, user);
}
