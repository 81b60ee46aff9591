/**
 * A diagnosis reads only what can change its answer (issue 20): each gate is pinned here by counting the
 * reads a live source answers, on real processes (a session of three, 80 sleeps in sessions of their own).
 * - process group: whole stats only of the target's session (the native scan keeps numbers of the rest),
 *   and the same group section as from every process's stat;
 * - OOM rank: every process's oom_score only where an OOM kill may come (memory short or stalling) or the
 *   target's oom_score_adj puts it forward;
 * - environment: one read of /proc/PID/environ for every name the model asks about.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createBundleSource } from '../../src/source/bundle-source';
import { createFacts } from '../../src/source/facts';
import { nativeHelper } from '../../src/source/native-helper';
import type { Bundle } from '../../src/source/bundle';
import type { RawSource, Read } from '../../src/source/types';
import { deriveGroup } from '../../src/model/group';
import { deriveMemory, rankPhrase } from '../../src/model/memory';
import { deriveCi } from '../../src/model/ci';
import { deriveStdio } from '../../src/model/stdio';
import { envNamesAmong, ENV_QUESTIONS } from '../../src/model/env-names';
import { CI_MARKERS, CI_MARKERS_ADDED_LATER } from '../../src/model/ci-markers';
import { cleanupProcesses, readPidFile, startDetached, waitFor } from '../helpers/processes';

let tmp: string;
let leader: number; // bash, leading its own session and group
let member: number; // a sleep in that group
let sleeps: number[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-gates-'));
  const pidFile = path.join(tmp, 'member.pid');
  leader = startDetached('bash', ['-c', `sleep 600 & echo $! > ${pidFile}; sleep 601 & wait`]);
  member = await readPidFile(pidFile);
  sleeps = Array.from({ length: 80 }, () => startDetached('sleep', ['600']));
  await waitFor(() => sleeps.every((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep')));
  await waitFor(() => fs.readFileSync(`/proc/${member}/cmdline`, 'utf8').startsWith('sleep'));
}, 30000);

afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Counted {
  raw: RawSource;
  /** Every path readText or readTexts answered, in order. */
  texts: string[];
  /** Every pid oomScores answered. */
  oomPids: number[];
  envAsks: Array<{ pid: number; wanted: readonly string[] }>;
}

/**
 * The live source, counting what it reads; `files` answers these paths instead of the machine (the host's
 * memory state, which a test must not depend on). `native: false` hides the helper's bulk readers.
 */
function counted(files: Record<string, string> = {}, native = true): Counted {
  const live = createLiveSource();
  const c: Counted = { raw: live, texts: [], oomPids: [], envAsks: [] };
  const own = (p: string): Read<string> | null => (p in files ? { ok: true, value: files[p] } : null);
  c.raw = {
    ...live,
    readText(p) {
      c.texts.push(p);
      return own(p) ?? live.readText(p);
    },
    readTexts(paths) {
      c.texts.push(...paths);
      return live.readTexts ? live.readTexts(paths) : paths.map((p) => live.readText(p));
    },
    envNames(pid, wanted) {
      c.envAsks.push({ pid, wanted });
      return live.envNames(pid, wanted);
    },
    statFields: native ? live.statFields : undefined,
    oomScores: native
      ? (pids) => {
          c.oomPids.push(...pids);
          return live.oomScores?.(pids) ?? null;
        }
      : undefined,
    socketAndPipeFds: native ? live.socketAndPipeFds : undefined,
  };
  return c;
}

const statReads = (c: Counted): string[] => [...new Set(c.texts.filter((p) => /^\/proc\/\d+\/stat$/.test(p)))];
const oomReads = (c: Counted, except: number): number[] =>
  [
    ...new Set([
      ...c.oomPids,
      ...c.texts.map((p) => /^\/proc\/(\d+)\/oom_score$/.exec(p)).flatMap((m) => (m ? [Number(m[1])] : [])),
    ]),
  ].filter((p) => p !== except);

test('the native helper is built (the gates below are about its bulk readers)', () => {
  expect(nativeHelper()?.statFields).toBeDefined();
  expect(nativeHelper()?.oomScores).toBeDefined();
});

test('process group: whole stats of its session only, and the same section as from every stat', () => {
  const fast = counted();
  const all = counted({}, false);
  const a = deriveGroup(createFacts(fast.raw), member);
  const b = deriveGroup(createFacts(all.raw), member);
  expect(a.ok && b.ok).toBe(true);
  expect(a).toEqual(b);
  if (!a.ok) return;
  expect(a.value.sid).toBe(leader);
  expect(a.value.group.map((m) => m.pid)).toEqual(expect.arrayContaining([leader, member]));
  expect(a.value.groupCount).toBe(3); // bash and its two sleeps
  expect(a.value.sessionCount).toBe(3);
  // The scan without the helper reads every process's stat (80 sleeps at least); with it, the session's
  // three and the few processes the section describes (the parents of its members).
  expect(statReads(all).length).toBeGreaterThan(80);
  expect(statReads(fast).length).toBeLessThanOrEqual(6);
  expect(statReads(fast)).not.toContain(`/proc/${sleeps[0]}/stat`);
});

/** /proc/meminfo with MemAvailable at `availPct` of MemTotal (the rest of the machine's own text kept). */
function meminfo(availPct: number): string {
  const real = fs.readFileSync('/proc/meminfo', 'utf8');
  const total = Number(/^MemTotal:\s+(\d+) kB/m.exec(real)?.[1]);
  return real.replace(/^MemAvailable:\s+\d+ kB$/m, `MemAvailable:   ${Math.round((total * availPct) / 100)} kB`);
}
const psi = (some10: number): string =>
  `some avg10=${some10.toFixed(2)} avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1\n`;

// WRITTEN: the host's memory state (MemAvailable, PSI) is what the gate decides on, and a test cannot make
// the host run short of memory; the processes, their oom_scores and the reads counted are real.
test.each([
  ['memory to spare, nothing stalls: not ranked', 50, 0, false],
  ['MemAvailable under 10% of MemTotal: ranked', 5, 0, true],
  ['memory stalls now (PSI some avg10 5%): ranked', 50, 5, true],
] as const)('OOM rank among the host, %s', (_what, availPct, stall, hostRanked) => {
  const c = counted({ '/proc/meminfo': meminfo(availPct), '/proc/pressure/memory': psi(stall) });
  const m = deriveMemory(createFacts(c.raw), sleeps[0]);
  expect(m.kind).toBe('read');
  if (m.kind !== 'read') return;
  // A memory cgroup with a limit (a CI host may put the tests in one) ranks its own members whatever the host.
  const ranked = hostRanked || m.section.domain === 'cgroup';
  if (ranked) {
    expect(m.section.unranked).toBeNull();
    expect(m.section.rank).not.toBeNull();
    expect(rankPhrase(m.section)).toMatch(/^rank \d+ of \d+$/);
  }
  if (ranked && m.section.domain === 'host') {
    expect(m.section.ranked).toBeGreaterThan(80);
    expect(oomReads(c, sleeps[0]).length).toBeGreaterThan(80);
  }
  if (!ranked) {
    expect(m.section.unranked).toMatch(/50% of the host's memory is available/);
    expect(m.section.rank).toBeNull();
    expect(m.section.ranked).toBe(0);
    expect(oomReads(c, sleeps[0])).toEqual([]);
    expect(rankPhrase(m.section)).toMatch(/^not ranked: /);
  }
});

test('OOM rank: a target whose oom_score_adj puts it forward is ranked on a host with memory to spare', () => {
  const pid = sleeps[1];
  fs.writeFileSync(`/proc/${pid}/oom_score_adj`, '500'); // raising one's own adj needs no privilege
  const c = counted({ '/proc/meminfo': meminfo(50), '/proc/pressure/memory': psi(0) });
  const m = deriveMemory(createFacts(c.raw), pid);
  expect(m.kind === 'read' && m.section.oomScoreAdj).toBe(500);
  if (m.kind !== 'read') return;
  expect(m.section.unranked).toBeNull();
  expect(m.section.rank).not.toBeNull();
  if (m.section.domain === 'host') expect(oomReads(c, pid).length).toBeGreaterThan(80);
});

test('environment: one read per process for the CI markers, their escapes and Node channel', () => {
  const c = counted();
  const facts = createFacts(c.raw);
  deriveCi(facts, member, null);
  deriveStdio(facts, member, null);
  deriveCi(facts, member, null);
  const asks = c.envAsks.filter((a) => a.pid === member);
  expect(asks).toHaveLength(1);
  expect([...asks[0].wanted].sort()).toEqual([...ENV_QUESTIONS]);
});

test('environment: a bundle captured before the one question asks the narrow list, as at capture', () => {
  const bundle = JSON.parse(
    fs.readFileSync(
      path.join(__dirname, '..', '..', 'fixtures', 'scenarios', 'nohup-in-bash-c-runner', 'bundle.json'),
      'utf8',
    ),
  ) as Bundle;
  const pid = Number(Object.keys(bundle.env)[0]);
  const facts = createFacts(createBundleSource(bundle));
  expect(facts.envNames(pid, ENV_QUESTIONS)).toMatchObject({ ok: false, code: 'NOTCAPTURED' });
  // Markers added since the capture were never asked: it answers the list it was asked then.
  const atCapture = CI_MARKERS.filter((m) => !CI_MARKERS_ADDED_LATER.includes(m));
  expect(envNamesAmong(facts, pid, CI_MARKERS)).toEqual(facts.envNames(pid, atCapture));
  expect(envNamesAmong(facts, pid, CI_MARKERS).ok).toBe(true);
});
