/**
 * The kernel's rate limit on crash reports, for real: a burst of segfaults under the flight recorder
 * loses some kernel lines (10 per 5 s); once the window is over, the next crash makes the kernel print
 * "show_signal_msg: N callbacks suppressed". A victim without a line must then be reported as
 * "its line may have been dropped" (kernel-log `suppressed`), never as "the kernel has no record";
 * a victim whose line was logged is still `died`; and a capture of the first replays the same finding
 * while holding none of the other victims' crash lines. Root only (tracefs recorder, kmsg).
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { readKernelLog } from '../../src/source/kernel-log/read';
import { findDeaths } from '../../src/source/kernel-log/incidents';
import { findSuppressions } from '../../src/source/kernel-log/suppressed';
import type { Finding, Report } from '../../src/engine/types';
import { cleanupProcesses, isRoot, procStat, runCli, track, waitFor } from '../helpers/processes';
import { reportsOf } from '../helpers/schema';

const CLI = path.resolve(__dirname, '../../dist/whydied.js');
const TRACE = '/proc/sys/debug/exception-trace';
const BURST = 25;

const maybe = isRoot() && fs.existsSync('/sys/kernel/tracing/instances') ? describe : describe.skip;
if (!isRoot()) console.log('skipped: the rate-limit test needs root (the tracefs recorder, /dev/kmsg)');

interface Victim {
  pid: number;
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | null>;
}

const kernelFinding = (r: Report): Finding | undefined => r.checks.find((c) => c.id === 'kernel-log');

maybe('crash lines dropped by the kernel rate limit', () => {
  let tmp: string;
  let stateDir: string;
  let crasher: string;
  let recorder: ChildProcess;
  let savedTrace: string | null = null;
  let victims: Victim[] = [];
  let burstStartMs = 0;

  beforeAll(async () => {
    savedTrace = fs.readFileSync(TRACE, 'utf8').trim();
    fs.writeFileSync(TRACE, '1');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-ratelimit-'));
    stateDir = path.join(tmp, 'state');
    fs.mkdirSync(stateDir, { mode: 0o700 });
    // Blocks on stdin, then dereferences NULL: every victim is alive (start time readable) until released.
    fs.writeFileSync(
      path.join(tmp, 'crasher.c'),
      '#include <unistd.h>\nint main(void){char c; read(0,&c,1); volatile int *p=0; return *p;}\n',
    );
    crasher = path.join(tmp, 'wdcrash');
    const cc = spawnSync('cc', ['-O0', '-o', crasher, path.join(tmp, 'crasher.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);

    let stderr = '';
    recorder = spawn(process.execPath, [CLI, 'record', '--state-dir', stateDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    track(recorder.pid as number);
    recorder.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    if (!(await waitFor(() => /recording: instance/.test(stderr), 15000)))
      throw new Error(`recorder did not start: ${stderr}`);
  }, 30000);

  afterAll(async () => {
    if (recorder?.pid) {
      const gone = new Promise((r) => recorder.once('exit', r));
      recorder.kill('SIGTERM');
      await gone;
    }
    cleanupProcesses();
    if (savedTrace !== null) fs.writeFileSync(TRACE, savedTrace);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const startVictim = (): Victim => {
    const child = spawn(crasher, [], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = track(child.pid as number);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
    return { pid, child, exited };
  };

  test('a burst loses lines, the kernel says so, and whydied says which deaths may be among them', async () => {
    victims = Array.from({ length: BURST }, startVictim);
    // Every victim blocked in read() before the burst: then all of them crash within a few ms.
    expect(await waitFor(() => victims.every((v) => procStat(v.pid)?.state === 'S'), 10000)).toBe(true);
    burstStartMs = Date.now();
    for (const v of victims) v.child.stdin?.end();
    const signals = await Promise.all(victims.map((v) => v.exited));
    expect(signals.every((s) => s === 'SIGSEGV')).toBe(true);

    // The notice comes with the first rate-limited print after the window: crash once a second
    // (each a real segfault) until the kernel has printed it.
    const noticeAfterBurst = (): boolean =>
      findSuppressions(readKernelLog(createFacts(createLiveSource())).records).some(
        (s) => s.toMs !== null && s.toMs >= burstStartMs - 1000,
      );
    let triggers = 0;
    const deadline = Date.now() + 20000;
    while (!noticeAfterBurst() && Date.now() < deadline) {
      const t = startVictim();
      t.child.stdin?.end();
      await t.exited;
      triggers++;
      await waitFor(noticeAfterBurst, 1000, 100);
    }
    expect(noticeAfterBurst()).toBe(true);
    expect(triggers).toBeGreaterThan(0);

    const log = readKernelLog(createFacts(createLiveSource()));
    const logged = victims.filter((v) => findDeaths(log.records, { pid: v.pid }).length > 0);
    const lost = victims.filter((v) => !logged.includes(v));
    // At most two windows' worth (10 each) of a 25-crash burst can be printed.
    expect(lost.length).toBeGreaterThanOrEqual(BURST - 20);
    expect(logged.length).toBeGreaterThan(0);

    // The recorder saw every victim die by SIGSEGV, whatever the kernel printed.
    const recordsFile = path.join(stateDir, 'records.jsonl');
    const recorded = (pid: number): boolean =>
      fs.existsSync(recordsFile) && fs.readFileSync(recordsFile, 'utf8').includes(`"pid":${pid},`);
    expect(await waitFor(() => victims.every((v) => recorded(v.pid)), 15000)).toBe(true);

    const env = { WHYDIED_STATE_DIR: stateDir };
    const lostOne = lost[0];
    const res = runCli([String(lostOne.pid), '--json'], { env });
    const [report] = reportsOf<Report>(res.stdout);
    const k = kernelFinding(report);
    expect(k).toMatchObject({ status: 'warn', code: 'suppressed' });
    expect(k?.summary).toContain(`no line about process ${lostOne.pid}`);
    expect(k?.summary).toContain('dropped');
    const windows = (
      k?.evidence as { suppressed: Array<{ from: string | null; to: string | null; count: number; printer: string }> }
    ).suppressed;
    expect(windows.length).toBeGreaterThan(0);
    // The victim died inside the window the kernel reported: after its first logged line, before the notice.
    const w = windows[windows.length - 1];
    expect(w.count).toBeGreaterThan(0);
    expect(Date.parse(w.to ?? '')).toBeGreaterThanOrEqual(burstStartMs - 1000);
    if (w.from !== null) expect(Date.parse(w.from)).toBeLessThanOrEqual(Date.now());
    // The cause still comes from the recorder: the kernel dropping a line does not hide the signal.
    expect(report.verdict.cause).toMatchObject({ signal: 'SIGSEGV', source: 'record' });
    expect(res.status).toBe(3);

    // A victim whose line was printed is still attributed to its line.
    const shown = runCli([String(logged[0].pid), '--json'], { env });
    expect(kernelFinding(reportsOf<Report>(shown.stdout)[0])).toMatchObject({ status: 'fail', code: 'died' });

    // The table says it in words.
    const table = runCli([String(lostOne.pid)], { env });
    expect(table.stdout).toContain('dropped');

    // scan lists the window, since the deaths in it may be missing from its list.
    const scan = JSON.parse(runCli(['scan', '--json', '--since', '5m'], { env }).stdout) as {
      dropped: Array<{ count: number; to: string }>;
    };
    expect(scan.dropped.some((d) => d.count > 0 && Date.parse(d.to) >= burstStartMs - 1000)).toBe(true);
    expect(runCli(['scan', '--since', '5m'], { env }).stdout).toMatch(/dropped: the kernel dropped \d+ crash reports/);

    // A capture replays the same finding and holds no other victim's crash line.
    const bundleFile = path.join(tmp, 'lost.json');
    const cap = runCli(['capture', String(lostOne.pid), '-o', bundleFile], { env });
    expect(cap.stderr).toContain('captured');
    const bundleText = fs.readFileSync(bundleFile, 'utf8');
    for (const v of logged) expect(bundleText).not.toContain(`wdcrash[${v.pid}]`);
    expect(bundleText).toContain('callbacks suppressed');
    // Replayed where it was captured: the bundle's own records date the process as they did live.
    const replay = runCli(['--json', '--from', bundleFile, String(lostOne.pid)], { env });
    const again = kernelFinding(reportsOf<Report>(replay.stdout)[0]);
    expect(again?.code).toBe('suppressed');
    expect(again?.evidence).toEqual(k?.evidence);
  }, 90000);
});
