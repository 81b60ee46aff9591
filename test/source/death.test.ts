/**
 * The one Death (src/source/death.ts): a record line is `{v, ...death}`, so deathOf's key order is the
 * records store's line order (records.jsonl must stay byte-for-byte what it was); the published mechanism
 * and the clean-exit rule every output and scan share.
 */
import { deathOf, isCleanExit, mechanismOf, type RecordIdentity } from '../../src/source/death';
import type { Cause } from '../../src/source/cause';

const who: RecordIdentity = {
  pid: 7,
  startTime: 100,
  bootId: 'b',
  comm: 'prog',
  argvHead: ['prog', '-x'],
  ppid: 1,
  pgid: 7,
  sid: 7,
  tty: null,
  cgroup: '/user.slice',
};

test("a death is the identity, then its cause, then when it was seen: the records line's order", () => {
  const cause: Cause = { kind: 'signal', signal: 'SIGTERM', source: 'watch', sender: { pid: 3, comm: 'bash' } };
  const line = JSON.stringify({ v: 1, ...deathOf(who, cause, '2026-01-01T00:00:00.000Z') });
  expect(line).toBe(
    '{"v":1,"pid":7,"startTime":100,"bootId":"b","comm":"prog","argvHead":["prog","-x"],"ppid":1,"pgid":7,"sid":7,' +
      '"tty":null,"cgroup":"/user.slice","cause":{"kind":"signal","signal":"SIGTERM","source":"watch",' +
      '"sender":{"pid":3,"comm":"bash"}},"seenAt":"2026-01-01T00:00:00.000Z"}',
  );
});

test('the mechanism: OOM kills and exits by their kind, others as the observer established it, else unknown', () => {
  expect(mechanismOf({ kind: 'oom-kill', source: 'kernel-log', details: { mechanism: 'kill' } })).toBe('oom-kill');
  expect(mechanismOf({ kind: 'signal', source: 'watch', details: { mechanism: 'group-kill' } })).toBe('group-kill');
  expect(mechanismOf({ kind: 'exit', exitCode: 1, source: 'record' })).toBe('exit');
  expect(mechanismOf({ kind: 'signal', signal: 'SIGKILL', source: 'record' })).toBeNull();
  expect(mechanismOf({ kind: 'signal', source: 'record', details: { mechanism: 3 } })).toBeNull();
});

test('only exit(0) is a clean exit', () => {
  expect(isCleanExit({ kind: 'exit', exitCode: 0, source: 'record' })).toBe(true);
  expect(isCleanExit({ kind: 'exit', exitCode: 1, source: 'record' })).toBe(false);
  expect(isCleanExit({ kind: 'exit', source: 'journal' })).toBe(false);
  expect(isCleanExit({ kind: 'signal', signal: 'SIGTERM', source: 'record' })).toBe(false);
});
