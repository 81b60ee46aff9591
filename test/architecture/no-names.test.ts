/**
 * The engine, the verdict and the renderers iterate tables and name no check, event or tool: a check id,
 * event id or tool id written as a string literal in them fails here. The tables themselves are where
 * those names live: the events table (src/engine/events.ts), the survival rules (src/engine/survival/,
 * data keyed by its event), the mechanism catalogue (src/engine/mechanisms/), the sections and presenters
 * (src/model/sections.ts), the tools table (src/model/tools.ts) and the checks (checks/).
 */
import * as fs from 'fs';
import * as path from 'path';
import { builtinChecks } from '../../checks';
import { EVENT_INFO } from '../../src/engine/events';
import { TOOLS } from '../../src/model/tools';
import { CAUSE_SOURCE_INFO } from '../../src/source/cause';

const root = path.join(__dirname, '..', '..');
const SCANNED = ['src/engine', 'src/render'];
const TABLES = ['src/engine/events.ts', 'src/engine/survival/', 'src/engine/mechanisms/'];

/**
 * Other vocabularies spelled like a name: a cause source (`journal`, `kernel-log`: src/source/cause.ts) and a
 * tool role or ancestor kind (`container-init`, `shell`: src/model/classify.ts) are not the check or tool of
 * that name; a watch mechanism (`group-kill`, src/observe/derive.ts) is not the event.
 */
const OTHER_VOCABULARIES = new Set<string>([...Object.keys(CAUSE_SOURCE_INFO), ...TOOLS.map((t) => t.role)]);
const ALLOWED: Record<string, string[]> = { 'src/engine/describe-cause.ts': ['group-kill'] };

const NAMES: Array<{ what: string; ids: string[] }> = [
  { what: 'check id', ids: builtinChecks.map((c) => c.meta.id) },
  { what: 'event id', ids: EVENT_INFO.map((e) => e.id) },
  { what: 'tool id', ids: TOOLS.map((t) => t.id) },
];

function files(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = `${dir}/${d.name}`;
    if (d.isDirectory()) return files(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

/** Every name written as a quoted literal ('x', "x" or `x`) in the text, that no other vocabulary explains. */
function namesIn(text: string, file: string): string[] {
  const found: string[] = [];
  for (const { what, ids } of NAMES)
    for (const id of ids) {
      if (OTHER_VOCABULARIES.has(id) || (ALLOWED[file] ?? []).includes(id)) continue;
      for (const q of ["'", '"', '`']) if (text.includes(`${q}${id}${q}`)) found.push(`${what} ${q}${id}${q}`);
    }
  return found;
}

test('the scanner finds a planted name of each kind', () => {
  expect(namesIn(`const a = 'tty'; const b = "session-end"; const c = \`pm2\`;`, 'x.ts')).toEqual([
    "check id 'tty'",
    'event id "session-end"',
    'tool id `pm2`',
  ]);
});

test('the engine, the verdict and the renderers name no check, event or tool', () => {
  const scanned = SCANNED.flatMap(files).filter((f) => !TABLES.some((t) => f === t || f.startsWith(t)));
  expect(scanned).toEqual(expect.arrayContaining(['src/engine/verdict.ts', 'src/render/table.ts']));
  const hits = scanned.flatMap((f) => namesIn(fs.readFileSync(path.join(root, f), 'utf8'), f).map((n) => `${f}: ${n}`));
  expect(hits).toEqual([]);
});
