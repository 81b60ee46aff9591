/**
 * `whydied <name>` over a store holding many recorded deaths of the name: the finder answers from the key
 * index's records table (pid, start time, boot, time of death) without reading the lines, keeps the newest 10
 * and counts the rest exactly. Checked against the same finder reading the lines (as for a bundle), and
 * through the built CLI: the newest 10 by time of death, the exact count left out, every one with --all,
 * across the rotated and current files, another boot's records, duplicate records of one death, torn and
 * foreign lines, launch and argv[0] names, records appended after the index was written, and a rotation.
 * The pids are above pid_max: no live process can hold them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createFacts } from '../../src/source/facts';
import { createLiveSource } from '../../src/source/live-source';
import type { RawSource } from '../../src/source/types';
import type { DeathRecord } from '../../src/source/records/types';
import { recordDeadTargets } from '../../src/record/dead-targets';
import { runCli } from '../helpers/processes';

const NAME = 'wdtest-victim';
const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
let dir: string;
let env: NodeJS.ProcessEnv;

function rec(i: number, over: Partial<DeathRecord> = {}): DeathRecord {
  const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    v: 1,
    pid: pidMax + 1000 + i,
    startTime: 5000 + i,
    bootId,
    comm: NAME,
    argvHead: [`/usr/bin/${NAME}`, `--n=${i}`],
    ppid: 1,
    pgid: pidMax + 1000 + i,
    sid: pidMax + 1000 + i,
    tty: null,
    cgroup: null,
    cause: { kind: 'exit', exitCode: i % 7, time: t, source: 'record' },
    seenAt: t,
    ...over,
  };
}

const lines = (recs: DeathRecord[]): string => recs.map((r) => JSON.stringify(r) + '\n').join('');
const filler = (from: number, n: number): DeathRecord[] =>
  Array.from({ length: n }, (_, k) => rec(from + k, { comm: `filler${k % 7}`, argvHead: [`filler${k % 7}`] }));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-newest-'));
  fs.chmodSync(dir, 0o700);
  env = { WHYDIED_STATE_DIR: dir };
  // The in-process finders read the state dir this names too.
  process.env.WHYDIED_STATE_DIR = dir;
  // The rotated file: older deaths, another boot's, a torn line and a foreign one among filler.
  const rotated = [
    ...filler(0, 50),
    ...Array.from({ length: 40 }, (_, k) => rec(100 + k)),
    ...Array.from({ length: 10 }, (_, k) => rec(200 + k, { bootId: 'another-boot' })),
  ];
  fs.writeFileSync(
    path.join(dir, 'records.1.jsonl'),
    lines(rotated) + '{"v":1,"pid":5,"torn\n' + '{"not":"a record","pid":6}\n',
    { mode: 0o600 },
  );
  // The current file: newer deaths, one recorded twice (a watcher and the recorder), one found by its
  // launch name, one by argv[0] only, and times out of append order.
  const current = [
    ...filler(300, 50),
    ...Array.from({ length: 30 }, (_, k) => rec(400 + k)),
    rec(430),
    rec(430, { cause: { kind: 'signal', signal: 'SIGTERM', time: rec(430).seenAt, source: 'watch' } }),
    rec(431, { comm: 'python3', argvHead: ['python3', 'app.py'], launch: { name: NAME, log: '/dev/null' } }),
    rec(432, { comm: 'node', argvHead: [`/opt/${NAME}`] }),
    rec(433, { seenAt: rec(50).seenAt, cause: { kind: 'exit', exitCode: 1, time: rec(50).seenAt, source: 'record' } }),
  ];
  fs.writeFileSync(path.join(dir, 'records.jsonl'), lines(current), { mode: 0o600 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Rep = { target: { pid: number | null } };
function byName(args: string[] = []) {
  const r = runCli([NAME, '--json', '--only', 'existence,records', ...args], { env });
  const { reports } = JSON.parse(r.stdout) as { reports: Rep[] };
  return { pids: reports.map((x) => x.target.pid), stderr: r.stderr };
}

/** What the line-reading finder says (as for a bundle): the reference. */
function reference() {
  const live = createLiveSource();
  const withoutIndex: RawSource = { ...live, recordsNamed: undefined };
  return recordDeadTargets(NAME, createFacts(withoutIndex));
}

const keyed = (ts: Array<{ pid: number; startTime: number | null; timeMs: number | null; name: string }>) =>
  ts.map((t) => `${t.pid}/${t.startTime}/${t.timeMs}/${t.name}`).sort();

test('the index finder finds what reading the lines finds: same deaths, times and names', () => {
  const fromIndex = recordDeadTargets(NAME, createFacts(createLiveSource()));
  const fromLines = reference();
  // 40 + 30 + the duplicate + launch + argv[0] + the early one; not the other boot's, torn or foreign lines.
  expect(fromLines).toHaveLength(75);
  expect(keyed(fromIndex)).toEqual(keyed(fromLines));
});

test('the CLI diagnoses the newest 10 by time of death and counts the rest exactly; --all diagnoses all', () => {
  const all = reference();
  const distinct = new Map(all.map((t) => [`${t.pid}/${t.startTime}`, t]));
  const newest = [...distinct.values()]
    .sort((a, b) => (b.timeMs ?? -Infinity) - (a.timeMs ?? -Infinity) || (b.startTime ?? 0) - (a.startTime ?? 0))
    .slice(0, 10)
    .map((t) => t.pid);
  const shown = byName();
  expect(shown.pids).toEqual(newest);
  expect(shown.stderr).toContain(`${distinct.size - 10} older recorded deaths of '${NAME}' not shown`);
  expect(new Set(byName(['--all']).pids)).toEqual(new Set([...distinct.values()].map((t) => t.pid)));
});

test('records appended after the index was written, then a rotation, are found', () => {
  byName(); // the index exists and is current
  const later = [rec(500), rec(501, { comm: 'sh', argvHead: [NAME] })];
  fs.appendFileSync(path.join(dir, 'records.jsonl'), lines(later));
  expect(byName().pids.slice(0, 2)).toEqual([later[1].pid, later[0].pid]);
  // Rotation renames the current file over the rotated one; its index is found again by inode.
  fs.renameSync(path.join(dir, 'records.jsonl'), path.join(dir, 'records.1.jsonl'));
  fs.writeFileSync(path.join(dir, 'records.jsonl'), lines([rec(600)]), { mode: 0o600 });
  const after = byName();
  expect(after.pids[0]).toBe(rec(600).pid);
  const fromIndex = recordDeadTargets(NAME, createFacts(createLiveSource()));
  expect(fromIndex.length).toBeGreaterThan(30);
  expect(keyed(fromIndex)).toEqual(keyed(reference()));
});
