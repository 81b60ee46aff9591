/**
 * A pure cgroup v2 Debian 12 VM under QEMU (scripts/v2vm.sh) for reality tests: kernel 6.1, systemd 252,
 * systemd-oomd, PSI, swap, `cgroup.kill`. Commands run inside as root over one multiplexed ssh connection;
 * `Login` is a real ssh login (sshd + PAM + logind: a session-N.scope) of a test user. whydied runs inside
 * from /opt/whydied, copied from this checkout's build when the VM boots.
 *
 * The jest project `v2vm` boots once in its global setup and powers off in its global teardown; a test file
 * only calls `unavailable()` and the helpers below.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Report } from '../../src/engine/types';
import { driver, guest, parseReports, Result, shellQuote as q, skipReason, WhydiedRun } from '../helpers/guest';
import { sessionsVia, StdinSession } from '../helpers/stdin-session';

export { check } from '../helpers/guest';
export type { Result, WhydiedRun } from '../helpers/guest';

export const CHECKOUT = path.resolve(__dirname, '../..');
export const VM_SCRIPT = path.join(CHECKOUT, 'scripts/v2vm.sh');
export const STATE_DIR = '/run/whydied-v2vm';
export const CACHE_DIR = process.env.WHYDIED_V2VM_DIR ?? '/var/cache/whydied-test/v2vm';
export const SKIP_FILE = path.join(os.tmpdir(), 'whydied-v2vm-skip');
export const CLI = '/opt/whydied/dist/whydied.js';

const vm = driver(VM_SCRIPT, 'WHYDIED_V2VM_NODE', 'the VM image is built in a chroot');
export const cannotBoot = vm.cannotBoot;

/** Build (when the inputs changed) and boot. */
export function boot(): { port: number; ms: number } {
  const { value, ms } = vm.up(900000);
  return { port: value, ms };
}

export function teardown(): Result {
  return vm.down(180000);
}

function port(): number | null {
  try {
    if (!fs.existsSync(path.join(STATE_DIR, 'ready'))) return null;
    const p = Number(fs.readFileSync(path.join(STATE_DIR, 'port'), 'utf8').trim());
    return p > 0 ? p : null;
  } catch {
    return null;
  }
}

/** Null when the VM is up; otherwise the reason to print when skipping. */
export function unavailable(): string | null {
  return skipReason(port() !== null, SKIP_FILE, 'the v2 VM', 'v2vm');
}

const BASE_OPTS = [
  '-o',
  'BatchMode=yes',
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
  '-o',
  'ConnectTimeout=20',
];

function sshArgv(user: string, multiplexed: boolean, cmd: string): string[] {
  const p = port();
  if (p === null) throw new Error('the v2 VM is not up');
  const mux = multiplexed
    ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${STATE_DIR}/cm-%r`, '-o', 'ControlPersist=900']
    : ['-o', 'ControlPath=none'];
  return [...BASE_OPTS, ...mux, '-i', path.join(CACHE_DIR, 'id_ed25519'), '-p', String(p), `${user}@127.0.0.1`, cmd];
}

/** Run `cmd` (sh -c) inside as root (in root's ssh session; root is exempt from KillUserProcesses). */
export function sh(cmd: string, timeoutMs = 60000): Result {
  const r = spawnSync('ssh', sshArgv('root', true, cmd), { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** Run `cmd` as a non-root user in a fresh ssh login (a session of its own that ends with the command). */
export function shAs(user: string, cmd: string, timeoutMs = 60000): Result {
  const r = spawnSync('ssh', sshArgv(user, false, cmd), { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

export const { must, writeInside, waitInside, unitProp, whydied, report } = guest(sh, {
  cli: CLI,
  timeoutMs: 60000,
  whydiedMs: 90000,
  waitMs: 30000,
  pollMs: 300,
});

/** The main pid of a unit, waiting for it to have one. */
export async function mainPid(unit: string): Promise<number> {
  expect(await waitInside(`test "$(systemctl show ${unit} -p MainPID --value)" -gt 0`)).toBe(true);
  return Number(unitProp(unit, 'MainPID'));
}

/** `whydied ARGS --json` inside as root, reading the records of a recorder that wrote to `stateDir`. */
export function whydiedWith(stateDir: string, args: string[], timeoutMs = 90000): WhydiedRun {
  const cmd = [CLI, ...args, '--json'].map(q).join(' ');
  const r = sh(`WHYDIED_STATE_DIR=${q(stateDir)} node ${cmd}`, timeoutMs);
  return { ...r, reports: parseReports(r.stdout) };
}

/**
 * The flight recorder as the systemd unit whydied prints (`record --print-unit`), writing to `stateDir`;
 * resolves once it traces. Returns its stop function.
 */
export async function startRecorder(stateDir: string): Promise<() => void> {
  must(
    `mkdir -p ${q(stateDir)} && node ${CLI} record --print-unit --output store,journal --state-dir ${q(stateDir)} > /run/systemd/system/wdrecord.service && systemctl daemon-reload && systemctl restart wdrecord.service`,
  );
  const ok = await waitInside(`grep -q '"instance": *"[^"]' ${q(stateDir)}/record.status.json`, 90000, 500);
  if (!ok)
    throw new Error(`the recorder did not start: ${sh('journalctl -b -u wdrecord.service -n 20 --no-pager').stdout}`);
  return () => {
    sh('systemctl stop wdrecord.service; rm -f /run/systemd/system/wdrecord.service; systemctl daemon-reload');
  };
}

/** `whydied ARGS --json` inside as USER (its own login; its own state dir under its home). */
export function whydiedAs(user: string, args: string[], timeoutMs = 90000): WhydiedRun {
  const cmd = [CLI, ...args, '--json'].map(q).join(' ');
  const r = shAs(user, `d=$(mktemp -d) && WHYDIED_STATE_DIR=$d node ${cmd}; rc=$?; rm -rf "$d"; exit $rc`, timeoutMs);
  return { ...r, reports: parseReports(r.stdout) };
}

export function risk(rep: Report, event: string): Report['risks'][number] {
  const r = rep.risks.find((x) => x.event === event);
  if (!r) throw new Error(`no ${event} row in ${rep.risks.map((x) => x.event).join(',')}`);
  return r;
}

/** The survival row of `event` was decided by rule `code` (test/reality/coverage.test.ts counts these calls). */
export function expectRule(rep: Report, event: string, code: string): Report['risks'][number] {
  const r = risk(rep, event);
  expect(r.code).toBe(code);
  return r;
}

/** Whether a process is still alive inside (and is not a zombie). */
export function aliveInside(pid: number): boolean {
  return sh(`test -d /proc/${pid} && ! grep -q '^State:.*Z' /proc/${pid}/status`).code === 0;
}

/**
 * An ssh login of a test user (sshd + PAM + logind: a real session-N.scope). Commands go to a remote bash on
 * stdin; ending stdin logs out (test/helpers/stdin-session.ts).
 */
export class Login extends StdinSession {
  constructor(readonly user = 'alice') {
    super('ssh', ['-T', ...sshArgv(user, false, 'exec /bin/bash --noprofile --norc')], {
      timeoutMs: 60000,
      pollMs: 50,
      stderr: true,
    });
  }
}

/** A user's logind sessions inside (ids). */
export function sessionsOf(user: string): string[] {
  return sessionsVia(sh, user);
}

/** Unique per run: a rerun against a still-running VM never meets an earlier run's units. */
export const TAG = `${process.pid}${Date.now() % 100000}`;
