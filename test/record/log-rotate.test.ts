/**
 * record.log is bounded (src/record/log-rotate.ts): a process whose stderr is `record.log` in its state dir
 * (as a --daemon recorder's is) moves the log to record.log.1 past the cap and starts it again; a stderr
 * that is any other file (a user's own redirection) is never cut.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const MODULE = path.resolve(__dirname, '../../dist/src/record/log-rotate.js');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-logrotate-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A node process writing 200 lines of 50 bytes to its stderr (`errFile`, O_APPEND), cap 1000 bytes. */
function writeLines(dir: string, errFile: string): void {
  const fd = fs.openSync(errFile, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  const script = `const r = require(${JSON.stringify(MODULE)}).logRotator(${JSON.stringify(dir)}, 1000);
for (let i = 0; i < 200; i++) { require('fs').writeSync(2, 'line ' + String(i).padStart(4, '0') + ' ' + 'x'.repeat(39) + '\\n'); r(); }`;
  const res = spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', fd] });
  fs.closeSync(fd);
  expect(res.status).toBe(0);
}

it('record.log past the cap moves to record.log.1; the newest lines stay', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'state-'));
  const log = path.join(dir, 'record.log');
  writeLines(dir, log);
  expect(fs.statSync(log).size).toBeLessThanOrEqual(1000);
  const old = fs.readFileSync(`${log}.1`, 'utf8');
  expect(old.length).toBeLessThanOrEqual(2000);
  expect(fs.statSync(`${log}.1`).mode & 0o777).toBe(0o600);
  // Nothing lost between the two files' ends: the rotated one ends where the current one starts.
  const cur = fs.readFileSync(log, 'utf8');
  const last = Number(/line (\d+)/.exec(old.trimEnd().split('\n').pop() ?? '')?.[1]);
  const first = Number(/line (\d+)/.exec(cur.split('\n')[0])?.[1]);
  expect(first).toBe(last + 1);
  expect(cur.trimEnd().endsWith(`line 0199 ${'x'.repeat(39)}`)).toBe(true);
});

it("a stderr that is not the state dir's record.log is never cut", () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'state-'));
  const mine = path.join(tmp, 'my-own.log');
  writeLines(dir, mine);
  expect(fs.statSync(mine).size).toBe(200 * 50);
  expect(fs.existsSync(path.join(dir, 'record.log.1'))).toBe(false);
});
