/**
 * A capture bundle holds what the diagnosis of its target used and nothing else: not the whole kernel log
 * (`Kernel command line`, `with environment`, other processes' lines) and not the whole record store (other
 * processes' argv). A real segfault of the target, a real kernel log line holding a secret (written through
 * /dev/kmsg, as the kernel prints the boot command line), and a record store with another process's
 * `--password=`; the bundle must keep the target's segfault and record, drop the secrets, and replay to the
 * same verdict and exit code as the live diagnosis.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { cleanupProcesses, isRoot, runCli, track, waitFor } from '../helpers/processes';
import { crashLineSeen } from '../helpers/crash-budget';

const TRACE = '/proc/sys/debug/exception-trace';
const root = isRoot();
if (!root) console.log('skipping bundle-minimal test: writing /dev/kmsg and exception-trace need root');

let savedTrace: string | null = null;
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-minimal-'));
  if (!root) return;
  savedTrace = fs.readFileSync(TRACE, 'utf8').trim();
  fs.writeFileSync(TRACE, '1');
});
afterAll(() => {
  if (savedTrace !== null) fs.writeFileSync(TRACE, savedTrace);
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function bootId(): string {
  return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

(root ? it : it.skip)(
  "holds the target's segfault and record, and none of the other kernel lines or records",
  async () => {
    const secret = `TOKEN${randomBytes(6).toString('hex')}`;
    // What the kernel prints at boot, and another process's crash, both before the target dies.
    fs.writeFileSync('/dev/kmsg', `Kernel command line: BOOT_IMAGE=/vmlinuz root=/dev/sda1 password=${secret}\n`);
    fs.writeFileSync('/dev/kmsg', `Run /init as init process\n`);
    fs.writeFileSync('/dev/kmsg', `  with environment:\n`);
    fs.writeFileSync('/dev/kmsg', `    HOME=/ TERM=linux SECRET=${secret}\n`);

    // The kernel prints at most 10 crash lines per 5 s (other crashes on the machine count too): crash until
    // this test's own line is in the log, within a bound.
    let pid = 0;
    const deadline = Date.now() + 30000;
    do {
      const child = spawn('python3', ['-c', 'import ctypes; ctypes.string_at(0)'], { stdio: 'ignore' });
      pid = track(child.pid as number);
      await new Promise((r) => child.on('exit', r));
      const seen = await waitFor(() => crashLineSeen(pid), 2000, 100);
      if (seen) break;
    } while (Date.now() < deadline);
    expect(crashLineSeen(pid)).toBe(true);

    const stateDir = fs.mkdtempSync(path.join(tmp, 'state-'));
    const rec = (p: number, argv: string[]): string =>
      JSON.stringify({
        v: 1,
        pid: p,
        startTime: 123,
        bootId: bootId(),
        comm: 'curl',
        argvHead: argv,
        ppid: 1,
        pgid: p,
        sid: p,
        tty: null,
        cgroup: null,
        cause: { kind: 'exit', exitCode: 0, source: 'watch' },
        seenAt: new Date().toISOString(),
      });
    const other = pid === 2 ? 3 : pid - 1;
    const store = `${rec(other, ['curl', `--password=${secret}`])}\n${rec(pid, ['python3', '-c'])}\n`;
    fs.writeFileSync(path.join(stateDir, 'records.jsonl'), store, { mode: 0o600 });
    const env = { WHYDIED_STATE_DIR: stateDir };

    const live = runCli([String(pid), '--json'], { env });
    const out = path.join(tmp, 'case.json');
    const cap = runCli(['capture', String(pid), '-o', out], { env });
    expect(cap.status).toBe(0);
    const text = fs.readFileSync(out, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('Kernel command line');
    expect(text).not.toContain('with environment');
    const bundle = JSON.parse(text) as { kmsg: string; texts: Record<string, string> };
    expect(bundle.kmsg).toMatch(new RegExp(`python3\\[${pid}\\]: segfault at`));
    // Only the target's records (the other line is left empty so the count survives).
    const [otherLine, ownLine] = store.split('\n');
    expect(otherLine).toContain(secret);
    expect(bundle.texts[path.join(stateDir, 'records.jsonl')]).toBe(`\n${ownLine}\n`);

    const replay = runCli(['--from', out, String(pid), '--json'], { env: { WHYDIED_STATE_DIR: stateDir } });
    expect(replay.status).toBe(live.status);
    expect(live.status).toBe(3);
    const a = JSON.parse(live.stdout).reports[0];
    const b = JSON.parse(replay.stdout).reports[0];
    expect(b.verdict).toEqual(a.verdict);
    expect(b.checks.map((c: { id: string; summary: string }) => [c.id, c.summary])).toEqual(
      a.checks.map((c: { id: string; summary: string }) => [c.id, c.summary]),
    );
  },
);
