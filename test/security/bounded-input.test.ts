/**
 * Bad input and bad output places (issue 24): every input a user names is bounded (size, and a time limit for
 * a pipe), devices and FIFOs are refused; an output that cannot be written, a --buffer-kb beyond reason, an
 * --only/--skip pair that leaves nothing and a daemon asked to write JSON lines to a stdout it does not have
 * are each one line on stderr and exit 2, quickly. Bidi controls in names reach scan --json, JSON lines and
 * the journal/syslog message escaped as \uNNNN.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isRoot, runCli, track } from '../helpers/processes';
import { messageOf } from '../../src/fleet/journal';
import { toDeathEvent } from '../../src/fleet/death-event';
import type { DeathRecord } from '../../src/source/records/types';

const CLI = path.resolve(__dirname, '../../dist/whydied.js');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-bounds-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function expectOneLineExit2(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(pattern) });
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
}

/** The CLI with stdin from a shell redirection or pipe (`input` is a shell fragment before `|`/after `<`). */
function viaShell(cmd: string, timeoutMs = 20000): { status: number | null; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, CLI } });
  return { status: r.status, stderr: r.stderr, ms: Date.now() - t0 };
}

describe('inputs are bounded', () => {
  it('/dev/zero as --from, --kmsg or --journal is refused at once', () => {
    for (const args of [
      ['--from', '/dev/zero', '1'],
      ['--kmsg', '/dev/zero', 'x'],
      ['--journal', '/dev/zero', 'x'],
      ['scan', '--kmsg', '/dev/zero'],
      ['scan', '--deaths', '/dev/zero'],
    ]) {
      const t0 = Date.now();
      expectOneLineExit2(runCli(args, { timeoutMs: 10000 }), /character device: give a regular file/);
      expect(Date.now() - t0).toBeLessThan(8000);
    }
  });

  it('a named FIFO nobody writes is refused, not waited on', () => {
    const fifo = path.join(tmp, 'fifo');
    spawnSync('mkfifo', [fifo]);
    for (const opt of ['--from', '--kmsg', '--journal'])
      expectOneLineExit2(runCli([opt, fifo, 'x'], { timeoutMs: 10000 }), /is a FIFO: give a regular file/);
    expectOneLineExit2(runCli(['scan', '--deaths', fifo], { timeoutMs: 10000 }), /is a FIFO: give a regular file/);
  });

  it('stdin from /dev/zero is refused; an endless pipe stops at the cap', () => {
    const dz = viaShell('node "$CLI" --kmsg - x </dev/zero');
    expectOneLineExit2(dz, /stdin is a character device/);
    const yes = viaShell('yes | node "$CLI" --kmsg - x', 60000);
    expectOneLineExit2(yes, /more than the 256 MiB whydied reads/);
  });

  it('a regular file beyond the cap is refused before it is read', () => {
    const big = path.join(tmp, 'big.json');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, 300 * 1024 * 1024); // sparse: no disk used
    const t0 = Date.now();
    expectOneLineExit2(runCli(['--from', big, '1'], { timeoutMs: 10000 }), /is 300 MiB: more than the 256 MiB/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a pipe on stdin still works (dmesg-style text)', () => {
    const r = viaShell('printf "[ 1.0] hello\\n" | node "$CLI" --kmsg - nosuchname');
    expect(r.status).toBe(4);
  });
});

describe('outputs and options', () => {
  it('whydied PID >/dev/full: one line, exit 2', () => {
    const r = viaShell(`node "$CLI" ${process.pid} >/dev/full`);
    expectOneLineExit2(r, /cannot write the output to stdout: ENOSPC/);
  });

  it('--only tty --skip tty says nothing would run', () => {
    expectOneLineExit2(runCli([String(process.pid), '--only', 'tty', '--skip', 'tty']), /nothing would run/);
  });

  (isRoot() ? it : it.skip)('record: --buffer-kb 1e12 and --daemon --output jsonl are refused', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'state-'));
    expectOneLineExit2(runCli(['record', '--state-dir', dir, '--buffer-kb', '1e12']), /--buffer-kb must be/);
    expectOneLineExit2(
      runCli(['record', '--daemon', '--state-dir', dir, '--output', 'jsonl']),
      /--daemon recorder does not have/,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('bidi controls in a real process name', () => {
  const NAME = 'ab\u202ecd\u061cef';
  it('scan --json, JSON lines and the journal message escape them as \\uNNNN', async () => {
    const state = fs.mkdtempSync(path.join(tmp, 'bidi-'));
    const exe = path.join(tmp, NAME);
    fs.copyFileSync('/bin/sh', exe);
    fs.chmodSync(exe, 0o755);
    // A real death of a process so named: run records it (its comm is the file name).
    const child = spawn(process.execPath, [CLI, 'run', '--output', 'store,jsonl', '--', exe, '-c', 'kill -TERM $$'], {
      env: { ...process.env, WHYDIED_STATE_DIR: state },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child.pid as number);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(143);
    const jsonl = err.split('\n').find((l) => l.startsWith('{')) ?? '';
    expect(jsonl).toContain('ab\\u202ecd\\u061cef');
    expect(jsonl).not.toMatch(/[\u202e\u061c]/);
    const rec = JSON.parse(fs.readFileSync(path.join(state, 'records.jsonl'), 'utf8').trim()) as DeathRecord;
    expect(rec.comm).toBe(NAME);
    const scan = runCli(['scan', '--json'], { env: { WHYDIED_STATE_DIR: state } });
    expect(scan.status).toBe(0);
    expect(scan.stdout).toContain('ab\\u202ecd\\u061cef');
    expect(scan.stdout).not.toMatch(/[\u202e\u061c]/);
    const msg = messageOf(toDeathEvent(rec, { hostname: 'h', bootId: 'b' }));
    expect(msg).toContain('ab\\u202ecd\\u061cef');
    expect(msg).not.toMatch(/\\x202e|[\u202e\u061c]/);
  });
});
