/**
 * The pid allocator arithmetic behind "was this pid handed out again since its record?"
 * (src/source/records/pid-cursor.ts). Pure: cursors as /proc gives them (kernel/pid.c alloc_pid wraps to 300
 * past pid_max; /proc/stat `processes` counts every task). The real reuse is in test/security/pid-reuse.test.ts.
 */
import * as fs from 'fs';
import { isPidCursor, pidHandedOutSince, readPidCursor, type PidCursor } from '../../src/source/records/pid-cursor';

const at = (lastPid: number, forks: number, pidMax = 32768, pidNs = 4026531836): PidCursor => ({
  lastPid,
  forks,
  pidMax,
  pidNs,
});

test('the cursor has not reached the pid: not handed out', () => {
  expect(pidHandedOutSince(5000, at(5003, 100), at(5100, 190))).toBe('no');
  // Tasks took pids beyond it (skipping ones in use): still short of a lap.
  expect(pidHandedOutSince(5000, at(5003, 100), at(32000, 1000))).toBe('no');
});

test('the cursor went round past the pid: handed out', () => {
  // 10000 tasks moved it from 30000 round (wrap at 32768 to 300) to 8000: every pid in between came round.
  expect(pidHandedOutSince(5000, at(30000, 100), at(8000, 10100))).toBe('yes');
  // The pid right after the old cursor is the next one handed out.
  expect(pidHandedOutSince(5004, at(5003, 100), at(5004, 101))).toBe('yes');
});

test('wrapping goes to 300, and the pid lies between the old cursor and the new one', () => {
  // 32768 - 32000 + (400 - 300) = 868 steps for 800 tasks: the cursor passed 350.
  expect(pidHandedOutSince(350, at(32000, 0), at(400, 800))).toBe('yes');
  expect(pidHandedOutSince(500, at(32000, 0), at(400, 800))).toBe('no');
  // A low pid (before the first wrap) is never handed out again after a wrap.
  expect(pidHandedOutSince(42, at(32000, 0), at(400, 800))).toBe('no');
});

test('too many tasks for a lap to be ruled out, a written cursor, another namespace or pid_max: unknown', () => {
  expect(pidHandedOutSince(5000, at(5003, 0), at(5100, 20000))).toBe('unknown');
  // Fewer steps than tasks: someone wrote ns_last_pid (CRIU, a forced pid).
  expect(pidHandedOutSince(5000, at(5003, 0), at(5010, 50))).toBe('unknown');
  expect(pidHandedOutSince(5000, at(5003, 0), at(5100, 50, 32768, 1))).toBe('unknown');
  expect(pidHandedOutSince(5000, at(5003, 0), at(5100, 50, 65536))).toBe('unknown');
  expect(pidHandedOutSince(5000, at(5003, 90), at(5100, 50))).toBe('unknown');
});

test('a hostile saved cursor is refused; the live one reads from /proc', () => {
  expect(isPidCursor({ lastPid: 1, forks: 2, pidMax: 3, pidNs: 4 })).toBe(true);
  expect(isPidCursor({ lastPid: '1', forks: 2, pidMax: 3, pidNs: 4 })).toBe(false);
  expect(isPidCursor({ lastPid: -1, forks: 2, pidMax: 3, pidNs: 4 })).toBe(false);
  expect(isPidCursor(null)).toBe(false);
  const read = (p: string): string | null => {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  };
  const live = readPidCursor(read, (p) => fs.readlinkSync(p));
  expect(live).not.toBeNull();
  expect(live!.pidMax).toBe(Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8')));
  expect(
    readPidCursor(
      () => null,
      () => null,
    ),
  ).toBeNull();
});
