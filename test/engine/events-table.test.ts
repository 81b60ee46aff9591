/**
 * The events table (src/engine/events.ts) is the one list of survival events: the schema's enum, the rule
 * table, the generated rules document, the man page and the README are held to it here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EVENT_INFO } from '../../src/engine/events';
import { EVENTS, KERNEL_THREAD_CODE, RISK_EVENTS, SURVIVAL_RULES } from '../../src/engine/survival';
import { rulesMarkdown } from '../../src/render/rules-markdown';
import { eventWords } from '../../src/engine/words';
import { manPage } from '../../src/cli/docs';

const root = path.join(__dirname, '..', '..');
const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8');

test("the report schema's risks[].event enum is the events table, in matrix order", () => {
  const schema = JSON.parse(read('schema/report.schema.json')) as {
    $defs: { risk: { properties: { event: { enum: string[] } } } };
  };
  expect(schema.$defs.risk.properties.event.enum).toEqual(EVENT_INFO.map((e) => e.id));
  expect(RISK_EVENTS).toEqual(EVENT_INFO.map((e) => e.id));
});

test('every event has rules, every rule belongs to the event that lists it', () => {
  for (const e of EVENTS) {
    expect(e.rules.length).toBeGreaterThan(0);
    for (const r of e.rules) expect(r.event).toBe(e.id);
  }
  expect(SURVIVAL_RULES.length).toBe(EVENTS.reduce((n, e) => n + e.rules.length, 0));
  expect(new Set(EVENT_INFO.map((e) => e.id)).size).toBe(EVENT_INFO.length);
});

test('docs/survival-rules.md is generated from the table (node scripts/survival-rules-doc.js)', () => {
  expect(read('docs/survival-rules.md')).toBe(rulesMarkdown(RISK_EVENTS, SURVIVAL_RULES, KERNEL_THREAD_CODE));
  for (const e of EVENT_INFO) expect(read('docs/survival-rules.md')).toContain(`## ${e.id} — ${e.title}`);
});

test('words come from the table; an id from a newer report still reads', () => {
  for (const e of EVENT_INFO) expect(eventWords(e.id)).toBe(e.words);
  expect(eventWords('future-event')).toBe('future event');
});

test('the man page and the README name every event', () => {
  const man = manPage([], '0', '2026-01-01').replace(/\\-/g, '-').replace(/\s+/g, ' ');
  for (const e of EVENT_INFO) expect(man).toContain(e.words);
  const readme = read('README.md').replace(/\s+/g, ' ');
  const sentence = readme.slice(readme.indexOf('The survival matrix has'));
  expect(sentence).toMatch(
    new RegExp(
      `^The survival matrix has ${['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'][EVENT_INFO.length]} events`,
    ),
  );
  for (const e of EVENT_INFO) expect(sentence.slice(0, 1000)).toContain(`\`${e.id}\``);
});
