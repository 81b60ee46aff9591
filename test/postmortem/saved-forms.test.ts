/**
 * Every form a customer may send a kernel log or journal in, REAL captures from the cgroup v2 test VM
 * (fixtures/kernel-log/real/*-6.1-v2vm*.txt: one perl segfault and one memory-cgroup OOM kill each): read
 * as a saved log (`--kmsg FILE`, `--journal FILE`), each must yield both deaths, with the wall time where
 * the form carries one. Before these forms were read, json-pretty, json-seq and `dmesg -J` yielded no death
 * at all, and export, verbose, short-full and short-unix no time.
 */
import * as path from 'path';
import { createFacts } from '../../src/source/facts';
import { createSavedEvidenceSource } from '../../src/source/saved-evidence-source';
import { scanDeaths } from '../../src/scan/scan';
import { toJournalJsonLines } from '../../src/source/journal/saved-forms';
import { fixtureText, FIXTURES } from './load-fixture';

// [fixture, segfault pid, OOM pid, the wall time of the segfault when the form carries one (ms)]
const FORMS: Array<[string, number, number, number | null]> = [
  ['real/dmesg-J-6.1-v2vm.txt', 570, 577, null],
  ['real/dmesg-xJ-6.1-v2vm.txt', 570, 577, null],
  ['real/journal-json-pretty-6.1-v2vm.txt', 353, 360, Date.UTC(2026, 11, 5, 23, 51, 5, 878)],
  ['real/journal-json-seq-6.1-v2vm.txt', 353, 360, Date.UTC(2026, 11, 5, 23, 51, 5, 878)],
  ['real/journal-export-6.1-v2vm.txt', 353, 360, Date.UTC(2026, 11, 5, 23, 51, 5, 878)],
  ['real/journal-verbose-6.1-v2vm.txt', 353, 360, Date.UTC(2026, 11, 5, 23, 51, 5, 878)],
  ['real/journal-short-full-6.1-v2vm.txt', 353, 360, Date.UTC(2026, 11, 5, 23, 51, 5)],
  ['real/journal-short-unix-6.1-v2vm.txt', 353, 360, Date.UTC(2026, 11, 5, 23, 51, 5, 878)],
];

describe.each(FORMS)('%s', (rel, segv, oom, wall) => {
  const text = fixtureText(rel);
  const name = path.basename(rel);
  for (const as of ['kernel', 'journal'] as const) {
    test(`given as --${as === 'kernel' ? 'kmsg' : 'journal'}: both deaths, each once`, () => {
      const facts = createFacts(createSavedEvidenceSource({ [as]: { text, name } }));
      const r = scanDeaths(facts, null);
      const s = r.entries.find((e) => e.pid === segv);
      expect(s).toMatchObject({ name: 'perl', kind: 'segfault', signal: 'SIGSEGV', source: 'kernel-log' });
      expect(r.entries.find((e) => e.pid === oom)).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL' });
      expect(r.entries).toHaveLength(2);
      if (wall !== null) expect(Math.floor(s?.timeMs ?? 0)).toBe(wall);
    });
  }
});

test('a note or banner line above the entries (a `# ` comment, `-- Journal begins ...`) does not hide them', () => {
  const pretty = fixtureText('real/journal-json-pretty-6.1-v2vm.txt');
  for (const head of ['# sent by the customer\n', '-- Journal begins at Sat 2026-12-05 23:40:00 UTC. --\n'])
    expect(toJournalJsonLines(head + pretty)).toBe(toJournalJsonLines(pretty));
  expect(toJournalJsonLines(pretty).split('\n')).toHaveLength(3);
});

test('JSON lines and plain text pass through unchanged (the common forms cost nothing)', () => {
  for (const rel of [
    'real/journal-json-6.1-v2vm-kernel.txt',
    'real/kmsg-6.18-segfault.txt',
    'real/dmesg-plain-6.18.txt',
  ]) {
    const text = fixtureText(rel);
    expect(toJournalJsonLines(text)).toBe(text);
  }
});

test('malformed (WRITTEN): a cut-off pretty entry, an export binary field and an empty dmesg array are skipped', () => {
  const cut = '{\n\t"MESSAGE" : "perl[5]: segfault at 8 ip 1 sp 2 error 4",\n\t"_TRANSPORT" : "ker';
  expect(toJournalJsonLines(cut)).toBe('');
  const exp =
    '__CURSOR=a\n_TRANSPORT=kernel\nMESSAGE\n\u0005\u0000\u0000\u0000\u0000\u0000\u0000\u0000ab\ncd\nPRIORITY=6\n\n';
  expect(JSON.parse(toJournalJsonLines(exp))).toEqual({ __CURSOR: 'a', _TRANSPORT: 'kernel', PRIORITY: '6' });
  expect(toJournalJsonLines('{"dmesg": []}')).toBe('');
  expect(FIXTURES).toBeTruthy();
});
