/** prefetchForCapture records the target, its ancestors, its group and session mates, and its descendants. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { prefetchForCapture } from '../../src/source/prefetch';
import { createBundleSource } from '../../src/source/bundle-source';
import { cleanupProcesses, readPidFile, startDetached, waitFor } from '../helpers/processes';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-prefetch-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a capture of a bash -c job holds everything about its family', async () => {
  const pidFile = path.join(tmp, 'job.pid');
  // runner (session leader) -> bash -c -> target bash -> sleep child; plus a group mate.
  const runner = startDetached('bash', [
    '-c',
    `bash -c 'sleep 101 & sleep 102; wait' & echo $! > ${pidFile}; sleep 103; wait`,
  ]);
  const target = await readPidFile(pidFile);
  const live = createLiveSource({ record: true });
  const facts = createFacts(live);
  await waitFor(() => createFacts(createLiveSource()).descendants(target).length >= 2);
  await prefetchForCapture(facts, target);
  const bundle = live.snapshot({ query: String(target), pid: target });
  const replay = createFacts(createBundleSource(bundle));

  const family = [target, runner, ...createFacts(createLiveSource()).descendants(runner)];
  for (const pid of family) {
    const p = replay.process(pid);
    expect(p).not.toBeNull();
    expect(p?.status.ok).toBe(true);
    expect(p?.argv.ok).toBe(true);
    expect(replay.fds(pid).ok).toBe(true);
    expect(replay.fds(pid, true).ok).toBe(true);
    expect(replay.cgroups(pid).ok).toBe(true);
    expect(replay.oomScore(pid).ok).toBe(true);
  }
  expect(replay.descendants(target)).toEqual(facts.descendants(target));
  expect(replay.host()).toEqual(facts.host());
  expect(replay.memoryCgroup(target)).toEqual(facts.memoryCgroup(target));
  // Ancestors all the way up are there (stat at least; pid 1 may deny fds).
  let cur = target;
  while (cur > 1) {
    const s = replay.stat(cur);
    expect(s.ok).toBe(true);
    cur = s.ok ? s.value.ppid : 0;
  }
  // Never environ.
  expect(Object.keys(bundle.texts).some((p) => p.endsWith('/environ'))).toBe(false);
});
