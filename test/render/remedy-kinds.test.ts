/**
 * The fix's words come from the step's kind the report carries (remedySteps[], whydied.report/2 revision 2.2),
 * never from the command's text: the remedy-kinds table, the schema's enum and the table renderer agree.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REMEDY_KINDS, type RemedyKind } from '../../src/engine/remedy-kinds';
import { renderTable } from '../../src/render/table';
import { validateReport } from '../helpers/schema';
import { sampleReport } from './sample-report';

test("the schema's remedyStep kind enum is the remedy-kinds table", () => {
  const schema = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'report.schema.json'), 'utf8'),
  ) as { $defs: { remedyStep: { properties: { kind: { enum: string[] } } } } };
  expect(schema.$defs.remedyStep.properties.kind.enum).toEqual(Object.keys(REMEDY_KINDS));
});

test('the Fix line says what the kind does, whatever the command looks like', () => {
  // One command text for every kind: the words can only come from the kind.
  const command = 'true';
  for (const kind of Object.keys(REMEDY_KINDS) as RemedyKind[]) {
    const r = sampleReport({ remedy: [command], remedySteps: [{ kind, command }] });
    validateReport({ schema: 'whydied.report/2', reports: [r] });
    const lines = renderTable(r, { color: false, width: 200 }).split('\n');
    const at = lines.findIndex((l) => l.startsWith('Fix'));
    expect(lines[at]).toBe(`Fix       ${REMEDY_KINDS[kind].fix}`);
    expect(lines[at + 1]).toBe(`  ${command}`);
  }
});

test('a report from before revision 2.2 (commands only) still renders its fix, as a plain command', () => {
  const r = sampleReport({ remedySteps: undefined });
  delete r.remedySteps;
  validateReport({ schema: 'whydied.report/2', reports: [r] });
  const lines = renderTable(r, { color: false }).split('\n');
  expect(lines[2]).toBe('Fix       run:');
  expect(lines[3]).toBe(`  ${r.remedy[0].replace(/\x1b/g, '\\x1b')}`);
});
