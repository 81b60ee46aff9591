/**
 * One journal-deaths reader (src/source/journal/deaths.ts) for the journal check and `whydied scan`: one
 * mapping from a journal event to a Cause, one bounded query. Input: the WRITTEN journal fixtures
 * (fixtures/kernel-log/journal/README.md: no journald here or in CI; the real journal is exercised by
 * test/systemd and test/v2vm), given as a saved `--journal` export and as journalctl's answer.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createFacts } from '../../src/source/facts';
import { createLiveSource } from '../../src/source/live-source';
import { createSavedEvidenceSource } from '../../src/source/saved-evidence-source';
import { readJournalDeaths } from '../../src/source/journal/deaths';
import { scanDeaths } from '../../src/scan/scan';
import type { RawSource, Read } from '../../src/source/types';

const J = path.join(__dirname, '..', '..', 'fixtures', 'kernel-log', 'journal');
const text = ['coredump.json.txt', 'unit-oom-kill.json.txt']
  .map((f) => fs.readFileSync(path.join(J, f), 'utf8').replace(/__PID__/g, '4242'))
  .join('\n');

const saved = () => createFacts(createSavedEvidenceSource({ journal: { text, name: 'journal.json' } }));

test('scan lists exactly the deaths the shared reader maps, with the same cause', () => {
  const read = readJournalDeaths(saved(), null);
  expect(read.unreadable).toBeNull();
  const kinds = read.deaths.map((d) => d.event.type);
  expect(kinds).toEqual(expect.arrayContaining(['coredump', 'unit-oom', 'unit-exit']));
  const scanned = scanDeaths(saved(), null).entries.filter(
    (e) => e.source === 'journal' || e.alsoIn.includes('journal'),
  );
  expect(scanned.length).toBeGreaterThan(0);
  for (const e of scanned.filter((x) => x.source === 'journal')) {
    const d = read.deaths.find((x) => x.what === e.what && x.entry.timeMs === e.timeMs);
    expect(d).toBeDefined();
    expect(e.kind).toBe(d?.cause.kind);
    expect(e.signal).toBe(d?.cause.signal);
  }
  const dump = read.deaths.find((d) => d.event.type === 'coredump');
  expect(dump).toMatchObject({ pid: 4242, cause: { kind: 'segfault', signal: 'SIGSEGV', source: 'journal' } });
});

test('the read is bounded: the newest N entries, and it says so when the bound was reached', () => {
  const all = readJournalDeaths(saved(), null);
  const two = readJournalDeaths(saved(), null, 2);
  expect(two.deaths.length).toBeLessThanOrEqual(2);
  expect(two.unreadable).toMatch(/only the newest 2 entries/);
  expect(all.deaths.length).toBeGreaterThan(two.deaths.length);
});

test('live, it is one journalctl query: this boot, since, newest -n, only the parsed fields', () => {
  const live = createLiveSource();
  const asked: string[][] = [];
  const raw: RawSource = {
    ...live,
    listDir: (p): Read<string[]> => (p.endsWith('/journal') ? { ok: true, value: ['x'] } : live.listDir(p)),
    command(argv): Read<string> {
      if (argv[0] !== 'journalctl') return live.command(argv);
      asked.push([...argv]);
      return { ok: true, value: text };
    },
  };
  const r = readJournalDeaths(createFacts(raw), 1795290000000);
  expect(r.deaths.length).toBeGreaterThan(0);
  expect(asked).toHaveLength(1);
  const argv = asked[0].join(' ');
  expect(argv).toMatch(/ -b 0 /);
  expect(argv).toMatch(/ --since=@1795289999 /);
  expect(argv).toMatch(/ -n 20000 /);
  expect(argv).toMatch(/--output-fields=MESSAGE,/);
});

/** A REAL fixture's entries (the `# ` provenance line dropped). */
const realJournal = (f: string): string =>
  fs
    .readFileSync(path.join(J, '..', 'real', f), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .join('\n');

test("a whole machine's journal given alone (--journal) is also its kernel log: both kernel deaths are listed", () => {
  const whole = realJournal('journal-json-6.1-v2vm-whole.txt');
  const facts = createFacts(createSavedEvidenceSource({ journal: { text: whole, name: 'journal.json' } }));
  const r = scanDeaths(facts, null);
  expect(r.unreadable.filter((u) => u.startsWith('kernel log'))).toEqual([]);
  expect(r.entries.find((e) => e.pid === 352)).toMatchObject({
    kind: 'segfault',
    signal: 'SIGSEGV',
    source: 'kernel-log',
  });
  const oom = r.entries.find((e) => e.pid === 386);
  expect(oom).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL', source: 'kernel-log' });
  expect(oom?.alsoIn).toContain('journal');
  expect(r.entries).toHaveLength(2);
});

test("a program's journal line shaped like the kernel's is not a kernel death (only _TRANSPORT=kernel entries are)", () => {
  // WRITTEN from the real OOM entry: the same text logged by a program (stdout transport) about pid 999.
  const kernelLine = realJournal('journal-json-6.1-v2vm-kernel.txt')
    .split('\n')
    .find((l) => l.includes('Killed process 386'));
  expect(kernelLine).toBeDefined();
  const forged = String(kernelLine)
    .replace(/"_TRANSPORT":"kernel"/, '"_TRANSPORT":"stdout"')
    .replace(/386/g, '999');
  const facts = createFacts(
    createSavedEvidenceSource({ journal: { text: `${String(kernelLine)}\n${forged}`, name: 'journal.json' } }),
  );
  const pids = scanDeaths(facts, null).entries.map((e) => e.pid);
  expect(pids).toContain(386);
  expect(pids).not.toContain(999);
});
