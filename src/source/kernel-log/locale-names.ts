/**
 * Day and month names of every locale the C library knows, for `dmesg -T` stamps saved in any language
 * (util-linux prints them with strftime "%a %b %e %H:%M:%S %Y" in the saving user's locale) and for
 * `journalctl` short stamps ("%b %d %H:%M:%S"). The table is generated from glibc's locale sources by
 * scripts/gen-locale-time-names.js (test/postmortem/locale-names.test.ts checks it is current).
 *
 * Some abbreviations mean different months in different languages ("lis" is November in Polish and
 * Czech, October in Croatian), so a stamp is read with every locale whose names fit it, and kept only
 * when they all agree (a `dmesg -T` stamp's weekday must also agree with its date).
 */
import table from './locale-time-names.json';

interface Entry {
  locales: string[];
  days: string[];
  months: string[];
  altMonths?: string[];
}

const ENTRIES = (table as { entries: Entry[] }).entries;

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** month name -> set of month numbers (1..12) across all locales. */
let monthIndex: Map<string, Set<number>> | null = null;

function monthsByName(): Map<string, Set<number>> {
  if (monthIndex) return monthIndex;
  const m = new Map<string, Set<number>>();
  for (const e of ENTRIES) {
    for (const list of [e.months, e.altMonths ?? []]) {
      list.forEach((name, i) => {
        const k = norm(name);
        if (k === '') return;
        const set = m.get(k) ?? new Set<number>();
        set.add(i + 1);
        m.set(k, set);
      });
    }
  }
  monthIndex = m;
  return m;
}

const ENGLISH = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The month a name stands for (English first, then any locale when they all agree), or null. */
export function monthOf(name: string): number | null {
  const k = norm(name);
  const en = ENGLISH.indexOf(k);
  if (en !== -1) return en + 1;
  const set = monthsByName().get(k);
  return set && set.size === 1 ? [...set][0] : null;
}

const dayMonthMemo = new Map<string, number | null>();

/**
 * The month of a `dmesg -T` stamp from its "weekday month" words and its date: every locale whose
 * abbreviations spell those words is tried, and the month is kept only when the weekday it gives for
 * (year, day) is the printed one and all such locales agree. Null when none or several fit.
 */
export function monthOfCtime(words: string, day: number, year: number): number | null {
  const key = `${norm(words)}|${day}|${year}`;
  const known = dayMonthMemo.get(key);
  if (known !== undefined) return known;
  const w = norm(words);
  const found = new Set<number>();
  for (const e of ENTRIES) {
    for (const list of [e.months, e.altMonths ?? []]) {
      list.forEach((mon, mi) => {
        const mName = norm(mon);
        if (mName === '' || !w.endsWith(mName)) return;
        const dName = w.slice(0, w.length - mName.length).trim();
        const wd = e.days.findIndex((d) => norm(d) === dName);
        if (wd === -1) return;
        if (new Date(Date.UTC(year, mi, day)).getUTCDay() === wd) found.add(mi + 1);
      });
    }
  }
  const result = found.size === 1 ? [...found][0] : null;
  if (dayMonthMemo.size > 1000) dayMonthMemo.clear();
  dayMonthMemo.set(key, result);
  return result;
}
