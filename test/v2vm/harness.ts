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
import { sessionsVia, StdinSession } from '../helpers/stdin-session';

export const CHECKOUT = path.resolve(__dirname, '../..');
export const VM_SCRIPT = path.join(CHECKOUT, 'scripts/v2vm.sh');
export const STATE_DIR = '/run/whydied-v2vm';
export const CACHE_DIR = process.env.WHYDIED_V2VM_DIR ?? '/var/cache/whydied-test/v2vm';
export const SKIP_FILE = path.join(os.tmpdir(), 'whydied-v2vm-skip');
export const CLI = '/opt/whydied/dist/whydied.js';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function script(args: string[], timeoutMs: number): Result {
  const r = spawnSync(VM_SCRIPT, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, WHYDIED_V2VM_NODE: process.execPath },
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** Why this machine cannot run the VM, or null. */
export function cannotBoot(): string | null {
  if (process.getuid?.() !== 0) return 'not root (the VM image is built in a chroot)';
  const r = script(['check'], 10000);
  return r.code === 0 ? null : r.stdout.trim() || r.stderr.trim() || 'v2vm.sh check failed';
}

/** Build (when the inputs changed) and boot. */
export function boot(): { port: number; ms: number } {
  const t0 = Date.now();
  const r = script(['up'], 900000);
  const m = /running (\d+)/.exec(r.stdout);
  if (r.code !== 0 || !m)
    throw new Error(`v2vm.sh up failed (${r.code}): ${r.stderr.trim().split('\n').slice(-8).join(' / ')}`);
  return { port: Number(m[1]), ms: Date.now() - t0 };
}

export function teardown(): Result {
  return script(['down'], 180000);
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
  if (port() !== null) return null;
  try {
    return fs.readFileSync(SKIP_FILE, 'utf8').trim() || 'the v2 VM is not up';
  } catch {
    return 'the v2 VM is not up (run through the jest project `v2vm`, whose global setup boots it)';
  }
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

/** Like sh, but throws with the output when the command fails; returns trimmed stdout. */
export function must(cmd: string, timeoutMs = 60000): string {
  const r = sh(cmd, timeoutMs);
  if (r.code !== 0) throw new Error(`inside: ${cmd} -> ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

/** Write a file inside (through base64: no quoting of the content). */
export function writeInside(file: string, content: string): void {
  must(`echo ${Buffer.from(content).toString('base64')} | base64 -d > '${file}'`);
}

/** Poll a command inside until it exits 0 (true) or the time is up (false). */
export async function waitInside(cmd: string, timeoutMs = 30000, stepMs = 300): Promise<boolean> {
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

/** The main pid of a unit, waiting for it to have one. */
export async function mainPid(unit: string): Promise<number> {
  expect(await waitInside(`test "$(systemctl show ${unit} -p MainPID --value)" -gt 0`)).toBe(true);
  return Number(unitProp(unit, 'MainPID'));
}

export interface WhydiedRun extends Result {
  reports: Report[];
}

const q = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;

function parseReports(stdout: string): Report[] {
  try {
    const parsed = JSON.parse(stdout) as { reports?: Report[] };
    return Array.isArray(parsed.reports) ? parsed.reports : [];
  } catch {
    return [];
  }
}

/** `whydied ARGS --json` inside as root, with a private state dir. */
export function whydied(args: string[], timeoutMs = 90000): WhydiedRun {
  const cmd = [CLI, ...args, '--json'].map(q).join(' ');
  const r = sh(`d=$(mktemp -d) && WHYDIED_STATE_DIR=$d node ${cmd}; rc=$?; rm -rf "$d"; exit $rc`, timeoutMs);
  return { ...r, reports: parseReports(r.stdout) };
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
