/**
 * `dmesg -T` stamps in any language the C library knows: the day and month names come from glibc's own
 * locale sources (scripts/gen-locale-time-names.js), never from a hand list. The table must be what the
 * generator makes of /usr/share/i18n/locales (when installed: Debian package `locales`), and every locale's
 * names must read back as the date they spell, or as nothing when another language spells a different date
 * with the same words (never a wrong month).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import table from '../../src/source/kernel-log/locale-time-names.json';
import { monthOf, monthOfCtime } from '../../src/source/kernel-log/locale-names';
import { readLinePrefix } from '../../src/source/kernel-log/line-prefix';

const LOCALES = '/usr/share/i18n/locales';
const entries = (table as { entries: Array<{ locales: string[]; days: string[]; months: string[] }> }).entries;

(fs.existsSync(LOCALES) ? test : test.skip)('the committed table is what glibc locale sources give', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-locales-')), 't.json');
  execFileSync(process.execPath, [
    path.join(__dirname, '..', '..', 'scripts', 'gen-locale-time-names.js'),
    LOCALES,
    out,
  ]);
  expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(table);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
});

test('the table covers many languages (not a hand list of three)', () => {
  const all = entries.flatMap((e) => e.locales);
  expect(all.length).toBeGreaterThan(200);
  for (const l of ['de_DE', 'fr_FR', 'es_ES', 'ja_JP', 'ru_RU', 'zh_CN', 'pl_PL', 'tr_TR']) expect(all).toContain(l);
});

test("every locale's weekday and month words read back as the date they spell, or as unknown, never wrong", () => {
  // 2025-05-05 was a Monday; 2019-03-15 a Friday; 2017-12-07 a Thursday.
  const dates: Array<[number, number, number]> = [
    [2025, 5, 5],
    [2019, 3, 15],
    [2017, 12, 7],
  ];
  let read = 0;
  for (const e of entries)
    for (const [y, m, d] of dates) {
      const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
      const words = `${e.days[wd]} ${e.months[m - 1]}`;
      const got = monthOfCtime(words, d, y);
      expect({ locale: e.locales[0], words, got: got === null || got === m }).toEqual({
        locale: e.locales[0],
        words,
        got: true,
      });
      if (got === m) read++;
    }
  // Ambiguity is the exception: most locales' stamps are read.
  expect(read).toBeGreaterThan(entries.length * 3 * 0.9);
});

test('a dmesg -xT line in Spanish (pop-os/cosmic-app-library#234) keeps its time and its message', () => {
  const p = readLinePrefix(
    'kern  :info  : [lun may  5 18:11:41 2025] tokio-runtime-w[3552]: segfault at 7f61f67fb990 ip 00007f623575ade4',
  );
  expect(p.wall).toMatchObject({ year: 2025, month: 5, day: 5, hour: 18, minute: 11, second: 41 });
  expect(p.priority).toBe(6);
  expect(p.message.startsWith('tokio-runtime-w[3552]: segfault')).toBe(true);
});

test('journalctl short stamps with month names of other languages: unique ones are read, ambiguous ones are not', () => {
  expect(monthOf('Mär')).toBe(3);
  expect(monthOf('Okt')).toBe(10);
  expect(monthOf('déc.')).toBe(12);
  // "lis" is November in Polish and Czech, October in Croatian: no month rather than a wrong one.
  expect(monthOf('lis')).toBeNull();
});
