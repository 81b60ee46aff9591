/**
 * Adding a check, an event or an output is one table entry (docs/DEVELOPING.md, "How to add …"): here each
 * table is given one more entry by this test alone (the module holding it is replaced by itself plus the
 * entry) and the entry is seen everywhere it must be, with no other file changed: a real diagnosis of a
 * real process runs the added check and decides the added event; `--output` parses, lists and opens the
 * added output, and a death reaches it.
 */
import { PassThrough } from 'stream';
import type { Check } from '../../src/engine/types';
import type { EventInfo } from '../../src/engine/events';
import type { AnyOutputDef } from '../../src/fleet/output-table';
import type { DeathEvent } from '../../src/fleet/death-event';
import type { DeathRecord } from '../../src/source/records/types';
import { cleanupProcesses, startDetached } from '../helpers/processes';

/** What the added output received (jest.mock factories may only reach `mock`-prefixed names). */
const mockReceived: DeathEvent[] = [];

jest.mock('../../checks', () => {
  const actual = jest.requireActual('../../checks') as { builtinChecks: Check[] };
  const added: Check = {
    meta: {
      id: 'added-by-test',
      title: 'Added by a test',
      description: 'A check added to the list by test/architecture/add-one-entry.test.ts.',
      codes: { 'added-seen': 'The added check ran.' },
    },
    run: (ctx) => ({ status: 'warn', code: 'added-seen', summary: `the added check saw pid ${ctx.target.pid}` }),
  };
  return { ...actual, builtinChecks: [...actual.builtinChecks, added] };
});

jest.mock('../../src/engine/events', () => {
  const actual = jest.requireActual('../../src/engine/events') as { EVENT_INFO: readonly EventInfo[] };
  const added: EventInfo = {
    id: 'added-event',
    words: 'an event added by a test',
    title: 'an event a test added to the table',
    relaunch: false,
    rules: [
      {
        code: 'added-event.always',
        event: 'added-event',
        outcome: 'dies',
        confidence: 'likely',
        meaning: 'Always (the test event).',
        when: () => 'the test event always applies',
      },
    ],
  };
  const all = [...actual.EVENT_INFO, added];
  // The table's own accessor over the longer table.
  return { ...actual, EVENT_INFO: all, eventInfo: (id: string) => all.find((e) => e.id === id) ?? null };
});

jest.mock('../../src/fleet/output-table', () => {
  const actual = jest.requireActual('../../src/fleet/output-table') as { OUTPUTS: readonly AnyOutputDef[] };
  const added: AnyOutputDef = {
    name: 'added',
    usage: 'added',
    help: 'an output added by a test',
    parse: () => true,
    open: async () => ({ death: (e: DeathEvent) => void mockReceived.push(e) }),
  };
  return { ...actual, OUTPUTS: [...actual.OUTPUTS, added] };
});

afterAll(() => cleanupProcesses());

test('a check and an event added to their tables: a real diagnosis runs the check and decides the event', async () => {
  const { diagnoseQuery } = await import('../../src/api/diagnose');
  const { rendererFor } = await import('../../src/render');
  const { RISK_EVENTS } = await import('../../src/engine/survival');
  const pid = startDetached('sleep', ['30']);
  const [report] = await diagnoseQuery(String(pid));
  expect(report.checks.find((c) => c.id === 'added-by-test')).toMatchObject({
    status: 'warn',
    code: 'added-seen',
    summary: `the added check saw pid ${pid}`,
  });
  expect(RISK_EVENTS[RISK_EVENTS.length - 1]).toBe('added-event');
  expect(report.risks.map((r) => r.event)).toEqual(RISK_EVENTS);
  // The event is not in this build's RiskEvent type: only in the table this test made.
  expect(report.risks.find((r) => (r.event as string) === 'added-event')).toMatchObject({
    code: 'added-event.always',
    outcome: 'dies',
    reason: 'the test event always applies',
  });
  // The table renderer words the event from the table, and lists the added check (it did not pass).
  const table = rendererFor('table')([report], { color: false, verbose: false, width: 200 });
  expect(table).toContain('an event added by a test');
  expect(table).toContain('the added check saw pid');
});

test('an output added to the table: --output parses and lists it, and a death reaches it', async () => {
  const { OUTPUT_USAGE, openSinks, parseOutputs } = await import('../../src/fleet/outputs');
  expect(OUTPUT_USAGE.endsWith(', added')).toBe(true);
  expect(parseOutputs('added').outputs.map((o) => o.def.name)).toEqual(['added']);
  const sinks = await openSinks({ output: 'added', jsonlStream: new PassThrough(), redactArgv: false });
  const death = (exitCode: number): DeathRecord => ({
    v: 1,
    pid: 4242,
    startTime: 1,
    bootId: 'b',
    comm: 'prog',
    argvHead: ['prog'],
    ppid: 1,
    pgid: 4242,
    sid: 4242,
    tty: null,
    cgroup: null,
    cause: { kind: 'exit', exitCode, source: 'record', time: '2026-01-01T00:00:00.000Z' },
    seenAt: '2026-01-01T00:00:00.000Z',
  });
  sinks.death(death(0)); // a clean exit is not published
  sinks.death(death(3));
  await sinks.close();
  expect(mockReceived.map((e) => [e.schema, e.pid, e.cause.exitCode])).toEqual([['whydied.death/1', 4242, 3]]);
});
