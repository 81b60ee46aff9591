/**
 * By name (and :PORT), a host running many matches gets the newest 10 diagnosed, not one report per match:
 * stderr says how many more match, --all diagnoses every one. Twelve real processes of a uniquely named
 * copy of sleep.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, procStat, runCli, startDetached, waitFor } from '../helpers/processes';

let dir: string;
let name: string;
const pids: number[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-many-'));
  name = `wdmany${process.pid % 100000}`;
  const bin = path.join(dir, name);
  fs.copyFileSync('/bin/sleep', bin);
  fs.chmodSync(bin, 0o755);
  for (let i = 0; i < 12; i++) {
    const pid = startDetached(bin, ['600']);
    // One at a time, so their start times order them.
    expect(await waitFor(() => procStat(pid)?.comm === name)).toBe(true);
    pids.push(pid);
  }
});

afterAll(() => {
  cleanupProcesses();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Rep = { target: { pid: number | null } };
/** Field 22 of /proc/PID/stat: the start time in clock ticks. */
function startTime(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}
const reportPids = (stdout: string): Array<number | null> =>
  (JSON.parse(stdout) as { reports: Rep[] }).reports.map((r) => r.target.pid);

test('the newest 10 matches are diagnosed, the 2 older ones counted on stderr', () => {
  const r = runCli([name, '--json', '--only', 'existence']);
  expect(r.status).not.toBe(2);
  const byStart = [...pids].sort((a, b) => startTime(b) - startTime(a) || b - a);
  expect(reportPids(r.stdout)).toEqual(byStart.slice(0, 10));
  expect(r.stderr).toContain(`2 more running processes match '${name}'`);
});

test('--all diagnoses every match', () => {
  const r = runCli([name, '--json', '--only', 'existence', '--all']);
  expect(new Set(reportPids(r.stdout))).toEqual(new Set(pids));
  expect(r.stderr).not.toContain('more running');
});

test('the table lists the 10 diagnosed and reports the newest in full', () => {
  // 100 columns: the summary line is asserted whole (a pipe wraps at 80).
  const r = runCli([name, '--only', 'existence'], { env: { ...process.env, COLUMNS: '100' } });
  expect(r.stdout).toMatch(
    new RegExp(`^10 of 12 processes match ${name} \\(newest first; the newest 10 running are listed\\)`),
  );
  expect(r.stderr).toContain('2 more running processes');
});
