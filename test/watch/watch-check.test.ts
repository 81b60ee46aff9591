/** The watch pseudo-check's wording: never claim a death that was not seen; OOM kills are the kernel's. */
import { watchCheck } from '../../src/watch/watch-check';
import type { WatchResult } from '../../src/observe/types';
import type { CheckContext } from '../../src/engine/types';
import { deathOf } from '../../src/source/death';

const identity = {
  pid: 42,
  startTime: 1,
  bootId: 'b',
  comm: 'python3',
  argvHead: ['python3'],
  ppid: 1,
  pgid: 42,
  sid: 42,
  tty: null,
  cgroup: null,
};

function run(r: WatchResult): { summary: string; code: string } {
  const f = watchCheck([r]).run({ target: { pid: 42 } } as unknown as CheckContext);
  return f as unknown as { summary: string; code: string };
}

describe('watchCheck', () => {
  it('a process still running when the watch stopped is not said to have ended', () => {
    const f = run({
      pid: 42,
      identity,
      backend: 'poll',
      death: null,
      signalsSeen: 0,
      endedAt: null,
      note: 'still running when the watch stopped',
      fallbackReason: 'tracefs needs root',
    });
    expect(f.code).toBe('watched-unknown');
    expect(f.summary).toMatch(/^still running when the watch stopped; nothing fatal was seen/);
    expect(f.summary).not.toMatch(/ended/);
  });

  it('an end seen without a cause still says it ended', () => {
    const f = run({
      pid: 42,
      identity,
      backend: 'poll',
      death: null,
      signalsSeen: 0,
      endedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(f.summary).toMatch(/^ended at 2026-01-01T00:00:00.000Z; the poll backend could not tell how/);
  });

  it('an OOM kill is worded as the kernel OOM killer, naming no sender', () => {
    const f = run({
      pid: 42,
      identity,
      backend: 'tracefs',
      death: deathOf(
        identity,
        {
          kind: 'oom-kill',
          signal: 'SIGKILL',
          time: '2026-01-01T00:00:00.000Z',
          source: 'watch',
          details: { triggeredBy: { pid: 42, comm: 'python3' } },
        },
        '2026-01-01T00:00:00.000Z',
      ),
      signalsSeen: 0,
      endedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(f.summary).toBe('python3 was killed by the kernel OOM killer (seen by whydied watch, tracefs backend)');
  });
});
