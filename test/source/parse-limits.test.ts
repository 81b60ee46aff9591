/**
 * /proc/PID/limits parsed strictly: the kernel's own text of real processes (set with prlimit) parses to
 * their limits; malformed texts (hand-written, marked as such: a bundle or a saved file is anybody's text)
 * are refused, never guessed.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import { parseFdinfoPosFlags, parseLimits, parseStatPolicy } from '../../src/source/parse-limits';
import { cleanupProcesses, track, waitFor } from '../helpers/processes';

afterAll(() => cleanupProcesses());

test('a real process’s limits, set with prlimit, parse to what was set', async () => {
  const child = spawn('prlimit', ['--cpu=7:9', '--fsize=12345:unlimited', '--', 'sleep', '30'], { stdio: 'ignore' });
  const pid = track(child.pid ?? 0);
  expect(await waitFor(() => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 5000)).toBe(true);
  const l = parseLimits(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
  expect(l?.cpu).toEqual({ soft: 7, hard: 9 });
  expect(l?.fsize).toEqual({ soft: 12345, hard: null });
  expect(l?.rttime.soft).toBeNull();
  expect(parseStatPolicy(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(0);
  child.kill('SIGKILL');
});

test('this process’s own fdinfo: the write position and flags of a file it writes', () => {
  const path = `/tmp/whydied-parse-limits-${process.pid}`;
  const fd = fs.openSync(path, 'a');
  try {
    fs.writeSync(fd, 'x'.repeat(100));
    const pf = parseFdinfoPosFlags(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    expect(pf?.pos).toBe(100);
    expect((pf?.flags ?? 0) & 3).toBe(1);
    expect((pf?.flags ?? 0) & 0o2000).toBe(0o2000);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path, { force: true });
  }
});

describe('malformed texts are refused (hand-written)', () => {
  const real = fs.readFileSync('/proc/self/limits', 'utf8');
  test.each([
    ['empty', ''],
    ['no header', real.split('\n').slice(1).join('\n')],
    ['a row missing', real.replace(/^Max cpu time.*\n/m, '')],
    ['a row twice', real.replace(/^(Max cpu time.*\n)/m, '$1$1')],
    [
      'soft above hard',
      real.replace(
        /^Max cpu time.*$/m,
        'Max cpu time              9                    5                    seconds   ',
      ),
    ],
    [
      'a negative value',
      real.replace(
        /^Max cpu time.*$/m,
        'Max cpu time              -1                   unlimited            seconds   ',
      ),
    ],
    ['a control character', real.replace('Max file size', 'Max file\x1bsize')],
    ['too long', real + 'Max cpu time              1 1 s\n'.repeat(400)],
  ])('%s', (_name, text) => {
    expect(parseLimits(text)).toBeNull();
  });
  test('fdinfo without pos or flags', () => {
    expect(parseFdinfoPosFlags('flags:\t01\n')).toBeNull();
    expect(parseFdinfoPosFlags('pos:\tx\nflags:\t01\n')).toBeNull();
  });
});
