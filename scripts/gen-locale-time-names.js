#!/usr/bin/env node
/**
 * Build src/source/kernel-log/locale-time-names.json from the C library's own locale sources
 * (/usr/share/i18n/locales, Debian package `locales`): for every locale, the abbreviated day names
 * (`abday`, Sunday first) and month names (`abmon`, and `ab_alt_mon` where the locale has the
 * genitive forms glibc >= 2.27 prints for %b). `dmesg -T` prints its stamps with strftime
 * "%a %b %e %H:%M:%S %Y" in the saving user's locale, so these are exactly the words such a stamp can
 * hold. Locales with identical names are merged (one entry lists them all).
 *
 * Usage: node scripts/gen-locale-time-names.js [LOCALES_DIR] [OUT]   (test/postmortem checks the
 * committed table equals a fresh run when the directory exists).
 */
'use strict';
const fs = require('fs');
const path = require('path');

const DIR = process.argv[2] || '/usr/share/i18n/locales';
const OUT = process.argv[3] || path.join(__dirname, '..', 'src', 'source', 'kernel-log', 'locale-time-names.json');

/** `<U00E9>` -> é; plain characters pass through. */
function decode(s) {
  return s.replace(/<U([0-9A-Fa-f]{4,8})>/g, (_m, hex) => String.fromCodePoint(parseInt(hex, 16)));
}

/** The LC_TIME section of a locale file, with its escape (line continuation) character. */
function lcTime(text) {
  const esc = /^escape_char\s+(\S)/m.exec(text)?.[1] ?? '\\';
  const comment = /^comment_char\s+(\S)/m.exec(text)?.[1] ?? '#';
  const start = text.search(/^LC_TIME\s*$/m);
  if (start === -1) return null;
  const end = text.indexOf('END LC_TIME', start);
  const body = text.slice(start, end === -1 ? undefined : end);
  // Join continuation lines, drop comments.
  const lines = [];
  let cur = '';
  for (const raw of body.split('\n')) {
    if (raw.startsWith(comment)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith(esc)) cur += line.slice(0, -1);
    else {
      lines.push(cur + line);
      cur = '';
    }
  }
  return lines;
}

function values(line) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(decode(m[1]));
  return out;
}

const cache = new Map();
/** {abday, abmon, abAltMon} of a locale, following `copy "other"` inside LC_TIME. */
function namesOf(name, depth = 0) {
  if (cache.has(name)) return cache.get(name);
  let result = null;
  try {
    const lines = lcTime(fs.readFileSync(path.join(DIR, name), 'utf8'));
    if (lines) {
      const r = { abday: null, abmon: null, abAltMon: null };
      for (const l of lines) {
        const m = /^\s*(\w+)\s+(.*)$/.exec(l);
        if (!m) continue;
        if (m[1] === 'copy' && depth < 8) {
          const base = namesOf(values(m[2])[0] ?? '', depth + 1);
          if (base) Object.assign(r, Object.fromEntries(Object.entries(base).filter(([, v]) => v)));
        } else if (m[1] === 'abday') r.abday = values(m[2]);
        else if (m[1] === 'abmon') r.abmon = values(m[2]);
        else if (m[1] === 'ab_alt_mon') r.abAltMon = values(m[2]);
      }
      if (r.abday?.length === 7 && r.abmon?.length === 12) result = r;
    }
  } catch {
    result = null;
  }
  cache.set(name, result);
  return result;
}

function main() {
  const groups = new Map();
  for (const name of fs.readdirSync(DIR).sort()) {
    if (!/^[a-z]{2,3}(_[A-Z]{2})?(@\w+)?$/.test(name) && !/^[a-z]{2,3}_[A-Z]{2}/.test(name)) continue;
    const n = namesOf(name);
    if (!n) continue;
    const entry = { days: n.abday, months: n.abmon, altMonths: n.abAltMon };
    if (entry.altMonths && entry.altMonths.join() === entry.months.join()) entry.altMonths = null;
    const key = JSON.stringify(entry);
    const g = groups.get(key) ?? { locales: [], ...entry };
    g.locales.push(name);
    groups.set(key, g);
  }
  const table = [...groups.values()].map((g) => {
    const o = { locales: g.locales, days: g.days, months: g.months };
    if (g.altMonths) o.altMonths = g.altMonths;
    return o;
  });
  fs.writeFileSync(OUT, JSON.stringify({ source: DIR, entries: table }) + '\n');
  process.stdout.write(`${table.length} name sets from ${groups.size} groups -> ${OUT}\n`);
}

main();
