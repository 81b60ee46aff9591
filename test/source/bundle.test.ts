/** snapshot -> bundle file -> replay gives the same Facts answers; env values never reach the bundle. */
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { prefetchForCapture } from '../../src/source/prefetch';
import { createBundleSource } from '../../src/source/bundle-source';
import { BundleError, parseBundle, readBundleFile, serializeBundle } from '../../src/source/bundle';
import type { Bundle } from '../../src/source/bundle';
import type { Facts } from '../../src/source/types';
import { cleanupProcesses, readPidFile, startDetached, waitFor } from '../helpers/processes';

const SECRET = 'hunter2-do-not-capture-7f3a';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-bundle-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Everything Facts can say about one pid (what the checks will ask). */
function answers(facts: Facts, pid: number) {
  const std = facts.fds(pid);
  return {
    host: facts.host(),
    process: facts.process(pid),
    fds: std,
    allFds: facts.fds(pid, true),
    cgroups: facts.cgroups(pid),
    oom: facts.oomScore(pid),
    memory: facts.memoryCgroup(pid),
    table: facts.processTable(),
    descendants: facts.descendants(pid),
    listeners: facts.tcpListeners(),
    pipes: std.ok ? std.value.filter((f) => f.kind === 'pipe').map((f) => facts.pipeHolders(f.inode ?? 0)) : [],
    parent: facts.process(facts.process(pid)?.stat.ppid ?? 1),
    env: facts.envNames(pid, ['RUNNER_TRACKING_ID', 'JENKINS_NODE_COOKIE', 'WHYDIED_SECRET']),
  };
}

let scenarios = 0;
async function capturedScenario(): Promise<{ pid: number; live: Facts; bundle: Bundle }> {
  const pidFile = path.join(tmp, `target-${++scenarios}.pid`);
  // A nohup'd sleep writing into a pipe, inside a bash -c "runner", with a secret in its environment.
  startDetached('bash', ['-c', `nohup sleep 100 2>/dev/null | cat >/dev/null & echo $! > ${pidFile}; wait`], {
    env: { ...process.env, RUNNER_TRACKING_ID: SECRET, WHYDIED_SECRET: SECRET },
  });
  const catPid = await readPidFile(pidFile);
  // `$!` is written as soon as the pipeline forks: wait until nohup has exec'd sleep.
  let pid = 0;
  await waitFor(() => {
    const f = createFacts(createLiveSource());
    const cat = f.stat(catPid);
    pid = cat.ok ? (f.processTable().find((s) => s.comm === 'sleep' && s.pgrp === cat.value.pgrp)?.pid ?? 0) : 0;
    return pid > 0;
  });
  if (pid === 0) throw new Error('the nohup sleep did not start');
  const live = createLiveSource({ record: true });
  const facts = createFacts(live);
  await prefetchForCapture(facts, pid);
  answers(facts, pid); // the "diagnosis": everything it reads is recorded
  const bundle = parseBundle(serializeBundle(live.snapshot({ query: String(pid), pid })));
  return { pid, live: facts, bundle };
}

test('bundle replay answers exactly like the live source', async () => {
  const { pid, live, bundle } = await capturedScenario();
  const file = path.join(tmp, 'capture.json');
  fs.writeFileSync(file, serializeBundle(bundle));
  const replay = createFacts(createBundleSource(readBundleFile(file)));
  expect(replay.raw.kind).toBe('bundle');
  const replayed = answers(replay, pid);
  expect(replayed).toEqual(answers(live, pid));
  expect(replayed.pipes).toHaveLength(1); // stdout is the pipe into cat: its holders replay too
  expect(replayed.pipes[0].map((h) => h.mode).sort()).toEqual(['r', 'w']);
  expect(replay.raw.now()).toBe(bundle.capturedAtMs);
  expect(bundle.target).toEqual({ query: String(pid), pid });
  expect(new Date(bundle.capturedAt).getTime()).toBe(bundle.capturedAtMs);
});

test('envNames keeps names only; values never reach the bundle', async () => {
  const { pid, live, bundle } = await capturedScenario();
  expect(live.envNames(pid, ['RUNNER_TRACKING_ID', 'JENKINS_NODE_COOKIE'])).toEqual({
    ok: true,
    value: ['RUNNER_TRACKING_ID'],
  });
  const text = serializeBundle(bundle);
  expect(text).not.toContain(SECRET);
  expect(text).toContain('RUNNER_TRACKING_ID');
  const replay = createBundleSource(bundle);
  expect(replay.envNames(pid, ['WHYDIED_SECRET'])).toEqual({ ok: true, value: ['WHYDIED_SECRET'] });
  // A name nobody asked about at capture time is unknown, not absent.
  expect(replay.envNames(pid, ['BUILD_ID'])).toMatchObject({ ok: false, code: 'NOTCAPTURED' });
});

test('anything not captured replays as NOTCAPTURED', () => {
  const live = createLiveSource({ record: true });
  live.readText('/proc/self/stat');
  const src = createBundleSource(parseBundle(serializeBundle(live.snapshot({ query: 'self', pid: null }))));
  expect(src.readText('/proc/self/stat').ok).toBe(true);
  expect(src.readText('/proc/1/status')).toMatchObject({ ok: false, code: 'NOTCAPTURED' });
  expect(src.readLink('/proc/1/exe')).toMatchObject({ ok: false, code: 'NOTCAPTURED' });
  expect(src.listDir('/proc')).toMatchObject({ ok: false, code: 'NOTCAPTURED' });
  expect(src.readKmsg()).toMatchObject({ ok: false, code: 'NOTCAPTURED' });
  expect(src.command(['dmesg'])).toMatchObject({ ok: false, code: 'NOTCAPTURED' });
  expect(src.readText('__proto__')).toMatchObject({ ok: false, code: 'NOTCAPTURED' });
  expect(createFacts(src).process(1)).toBeNull();
});

describe('readBundleFile errors: one line each', () => {
  const valid = (): Record<string, unknown> =>
    JSON.parse(serializeBundle(createLiveSource({ record: true }).snapshot({ query: '1', pid: 1 })));
  const write = (name: string, content: string): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const cases: Array<[string, () => string, RegExp]> = [
    ['missing file', () => path.join(tmp, 'nope.json'), /no such file/],
    ['a directory', () => tmp, /is a directory/],
    ['bad JSON', () => write('bad.json', '{"format": '), /not valid JSON/],
    ['not an object', () => write('arr.json', '[1,2]'), /not a whydied bundle/],
    [
      'wrong format',
      () => write('fmt.json', JSON.stringify({ ...valid(), format: 'something/1' })),
      /not a whydied bundle/,
    ],
    [
      'future version',
      () => write('v2.json', JSON.stringify({ ...valid(), format: 'whydied.bundle/2' })),
      /unsupported bundle version/,
    ],
    [
      'texts wrong type',
      () => write('texts.json', JSON.stringify({ ...valid(), texts: { '/proc/1/stat': 5 } })),
      /texts\["\/proc\/1\/stat"\]/,
    ],
    ['dirs wrong type', () => write('dirs.json', JSON.stringify({ ...valid(), dirs: [] })), /"dirs" must be an object/],
    [
      'bad error code',
      () => write('code.json', JSON.stringify({ ...valid(), links: { x: { error: 'EBOGUS', message: 'm' } } })),
      /links/,
    ],
    [
      'bad target',
      () => write('target.json', JSON.stringify({ ...valid(), target: { query: 1, pid: 'x' } })),
      /"target"/,
    ],
    [
      'no capturedAtMs',
      () => write('ms.json', JSON.stringify({ ...valid(), capturedAtMs: undefined })),
      /capturedAtMs/,
    ],
    [
      'env values smuggled in',
      () => write('env.json', JSON.stringify({ ...valid(), env: { 1: { A: 'value' } } })),
      /env/,
    ],
  ];
  test.each(cases)('%s', (_name, file, pattern) => {
    let caught: unknown;
    try {
      readBundleFile(file());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BundleError);
    const message = (caught as Error).message;
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
  });

  test('a valid capture reads back', () => {
    expect(readBundleFile(write('ok.json', JSON.stringify(valid()))).format).toBe('whydied.bundle/1');
  });
});

test('arbitrary JSON or text never breaks the bundle reader with anything but BundleError', () => {
  const onlyBundleErrors = (text: string): void => {
    try {
      parseBundle(text);
    } catch (err) {
      expect(err).toBeInstanceOf(BundleError);
      expect((err as Error).message).not.toContain('\n');
    }
  };
  fc.assert(fc.property(fc.string(), onlyBundleErrors));
  fc.assert(fc.property(fc.jsonValue(), (v) => onlyBundleErrors(JSON.stringify(v) ?? 'null')));
  const base = JSON.parse(
    serializeBundle(createLiveSource({ record: true }).snapshot({ query: '1', pid: 1 })),
  ) as Record<string, unknown>;
  const field = fc.constantFrom(
    'format',
    'capturedAt',
    'capturedAtMs',
    'hostname',
    'target',
    'texts',
    'links',
    'dirs',
    'env',
    'kmsg',
    'commands',
  );
  fc.assert(fc.property(field, fc.jsonValue(), (k, v) => onlyBundleErrors(JSON.stringify({ ...base, [k]: v }))));
});
