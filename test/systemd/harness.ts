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
import { driver, guest, Result, skipReason } from '../helpers/guest';
import { sessionsVia, StdinSession } from '../helpers/stdin-session';

export { check } from '../helpers/guest';
export type { Result, WhydiedRun } from '../helpers/guest';

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

const env = driver(ENV_SCRIPT, 'WHYDIED_SYSTEMD_NODE', 'systemd-nspawn needs root');
export const cannotBoot = env.cannotBoot;

/** Boot (idempotent). Returns the container's PID 1 as the host sees it and how long it took. */
export function boot(): { leader: number; ms: number } {
  // A first boot debootstraps (~50-90 s); later ones take a few seconds.
  const { value, ms } = env.up(600000);
  return { leader: value, ms };
}

export function teardown(): Result {
  return env.down(120000);
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
  return skipReason(leader() !== null, SKIP_FILE, 'the systemd environment', 'systemd');
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

export const { must, writeInside, waitInside, unitProp, whydied, report } = guest(sh, {
  cli: CLI,
  timeoutMs: 30000,
  whydiedMs: 60000,
  waitMs: 15000,
  pollMs: 100,
});

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

/**
 * The head of a systemd test file: its gate (skipped, with the reason logged, where the booted container cannot
 * run) and its unit names, unique per run so that a rerun against a still-running container never meets an
 * earlier run's units. `units` lists every name handed out, for the file's afterAll to stop and remove.
 */
export function systemdSuite(): {
  skip: string | null;
  t: jest.It;
  tag: string;
  units: string[];
  unit(name: string): string;
} {
  const skip = unavailable();
  if (skip) console.log(`[systemd] skipped: ${skip}`);
  const tag = `${process.pid}${Date.now() % 100000}`;
  const units: string[] = [];
  return {
    skip,
    t: skip ? test.skip : test,
    tag,
    units,
    unit(name: string): string {
      const u = `wd-${name}-${tag}`;
      units.push(u);
      return u;
    },
  };
}
