/**
 * The year of year-less syslog stamps, on real excerpts from fixtures/wild: learnt from the file's mtime only
 * when its last stamp is within a month before it (a log is written as it grows), from an audit record's
 * epoch on a syslog line, and otherwise said to be unknown, never "this year" (a 2020 log must not read
 * "211 days ago"). Only the file's mtime is set by the test; the text is the real excerpt.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scanKernelText, detectFormat } from '../../src/source/kernel-log/records';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'whydied.js');
const WILD = path.join(ROOT, 'fixtures', 'wild');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-year-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of a wild excerpt whose mtime is the given local date. */
function copyWithMtime(name: string, mtime: Date): string {
  const file = path.join(tmp, `${name}-${mtime.getTime()}.txt`);
  fs.copyFileSync(path.join(WILD, `${name}.txt`), file);
  fs.utimesSync(file, mtime, mtime);
  return file;
}

/** The CLI's stdout (a dead target exits 3: not a failure here). */
const cli = (args: string[]): string => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' }).stdout;

interface ScanJson {
  deaths: Array<{ pid: number; logTime?: string; time: string | null }>;
}

// apache/doris#3525: "May  8 14:05:27 doris-03 kernel: ... Killed process 18177 (palo_be)"; the containerd line
// of the same excerpt dates it 2020-05-08.
const DORIS = 'doris-3525-memcg-sacrifice';

test('the mtime of a file written as it grew dates its year-less stamps, and the report says so', () => {
  const file = copyWithMtime(DORIS, new Date(2020, 4, 8, 14, 6, 0));
  const scan = JSON.parse(cli(['scan', '--kmsg', file, '--json'])) as ScanJson;
  const d = scan.deaths.find((x) => x.pid === 18177);
  expect(d?.logTime).toBe('2020-05-08 14:05:27');
  expect(d?.time).not.toBeNull();
  expect(new Date(d?.time as string).getFullYear()).toBe(2020);
  const report = cli(['18177', '--kmsg', file]);
  expect(report.replace(/\s+/g, ' ')).toContain(
    "2020-05-08 14:05:27 (the log's local time; the year is from the file's modification time)",
  );
});

test('an mtime months after the last stamp (a later copy) dates nothing', () => {
  // The same excerpt, mtime the next January: May is more than a month before it, so nothing is inferred.
  const file = copyWithMtime(DORIS, new Date(2021, 0, 3, 10, 0, 0));
  const scan = JSON.parse(cli(['scan', '--kmsg', file, '--json'])) as ScanJson;
  expect(scan.deaths.find((x) => x.pid === 18177)?.logTime).toBe('05-08 14:05:27');
});

test('a copied or checked-out file (mtime long after the log) leaves the year unknown, never this year', () => {
  const file = copyWithMtime(DORIS, new Date());
  const scan = JSON.parse(cli(['scan', '--kmsg', file, '--json'])) as ScanJson;
  const d = scan.deaths.find((x) => x.pid === 18177);
  expect(d?.logTime).toBe('05-08 14:05:27');
  expect(d?.time).toBeNull();
  const text = cli(['scan', '--kmsg', file]);
  expect(text).toContain('05-08 14:05:27 (no year in the log)');
  expect(text).not.toMatch(/days ago/);
  const report = cli(['18177', '--kmsg', file]).replace(/\s+/g, ' ');
  expect(report).toContain('May 8 14:05:27 (the log gives no year)');
  expect(report).not.toMatch(/\b20\d\d-05-08\b/);
});

test("an audit record's epoch on a syslog line gives the year of the file's year-less stamps", () => {
  // borgbase/vorta#455: "Jun 03 09:16:39 host kernel: audit: type=1701 audit(1591168599.573:180): ..."
  const text = fs.readFileSync(path.join(WILD, 'vorta-455-journal-truncated-audit.txt'), 'utf8');
  const s = scanKernelText(text, detectFormat(text), { bootTimeMs: null, fileMtimeMs: null });
  const walls = s.records.map((r) => r.wall).filter((w) => w !== null && w !== undefined);
  expect(walls.length).toBeGreaterThan(0);
  for (const w of walls) expect({ year: w?.year, from: w?.yearFrom }).toEqual({ year: 2020, from: 'audit' });
});
