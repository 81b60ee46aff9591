import { renderTable } from '../../src/render/table';
import { renderJson } from '../../src/render/json';
import { renderMarkdown } from '../../src/render/markdown';
import { escapeControl } from '../../src/render/escape';
import { rendererFor } from '../../src/render';
import type { Report } from '../../src/engine/types';
import { expectValidReports, validateReport } from '../helpers/schema';
import { HOSTILE_ARG, HOSTILE_COMM, sampleReport } from './sample-report';

// Anything a terminal could interpret: C0 except the newlines we print ourselves, DEL, C1, bidi.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escapeControl', () => {
  it('escapes C0, DEL, C1 and bidi controls, keeps ordinary text', () => {
    expect(escapeControl('a\nb\rc\td\u001b[0m\u007f\u009b\u202e\u0000é ok')).toBe('a\\nb\\rc\\td\\x1b[0m\\x7f\\x9b\\u202e\\x00é ok');
    expect(escapeControl('plain (text) with spaces')).toBe('plain (text) with spaces');
  });
});

describe('renderers on a report with hostile process data', () => {
  const report = sampleReport();

  it('the fixed report is schema-valid', () => {
    validateReport(report);
    validateReport([report, sampleReport({ state: 'dead', process: null })]);
  });

  // Markdown additionally backslash-escapes its own syntax, so `\x1b` is written `\\x1b` there
  // (which a markdown viewer displays as `\x1b`).
  it.each([
    ['table', renderTable, 'evil\\x1b[2J\\nname', '\\x9b31m'],
    ['markdown', renderMarkdown, 'evil\\\\x1b\\[2J\\\\nname', '\\\\x9b31m'],
  ])('%s output holds no raw control characters', (_name, render, comm, c1) => {
    for (const verbose of [false, true]) {
      const out = render(report, { color: false, verbose });
      expect(out).not.toMatch(RAW_CONTROL);
      expect(out).toContain(comm);
      expect(out).toContain(c1);
    }
  });

  it('table without colour has no ANSI codes at all; with colour only our own status codes', () => {
    const plain = renderTable(report, { color: false });
    expect(plain).not.toContain('\u001b');
    const coloured = renderTable(report, { color: true });
    // Every ESC in coloured output must start one of our SGR sequences, never come from the data.
    const escs = coloured.match(/\u001b[^m]*m/g) ?? [];
    expect(escs.length).toBeGreaterThan(0);
    for (const e of escs) expect(e).toMatch(/^\u001b\[\d+(;\d+)*m$/);
    expect(coloured.replace(/\u001b\[\d+(;\d+)*m/g, '')).not.toMatch(RAW_CONTROL);
  });

  it('table shows header, survival matrix, checks and remedy', () => {
    const out = renderTable(report, { color: false });
    expect(out).toMatch(/Target\s+4242/);
    expect(out).toMatch(/State\s+alive/);
    expect(out).toMatch(/Verdict\s+at-risk — it dies when/);
    expect(out).toMatch(/terminal-hangup\s*│\s*dies/);
    expect(out).toMatch(/warn\s*│\s*signals/);
    expect(out).toContain('To make it survive:');
    expect(out).toContain('  setsid -f /usr/bin/worker');
    expect(out).not.toContain('detail with'); // details only in verbose
    expect(renderTable(report, { color: false, verbose: true })).toContain('detail with \\x1b[1m escape');
  });

  it('table wraps to a width when given one', () => {
    const out = renderTable(report, { color: false, width: 60 });
    for (const line of out.split('\n')) if (/[│┌└├]/.test(line)) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('markdown has headings, tables, escaped pipes and commands in a fence the content cannot close', () => {
    const out = renderMarkdown(report, { color: false });
    expect(out).toContain('## whydied: 4242');
    expect(out).toContain('| Event | Outcome | Reason |');
    expect(out).toContain('| terminal-hangup | dies |');
    // The hostile `|<b>` must not open a cell or a tag.
    expect(out).toContain('\\|\\<b\\>');
    expect(out).toMatch(/````sh\nsetsid -f [^\n]*\ntmux new -d -s w ```danger```\n````/);
  });

  it('json round-trips and escapes C1 controls while staying the same string', () => {
    const out = renderJson(report, { color: false });
    expect(out).not.toMatch(RAW_CONTROL);
    const [back] = expectValidReports(out);
    expect(back).toEqual(report);
    expect((back as unknown as Report).process?.comm).toBe(HOSTILE_COMM);
    expect((back as unknown as Report).process?.argv?.[1]).toBe(HOSTILE_ARG);
  });

  it('several reports: json is an array, table and markdown render each', () => {
    const two = [report, sampleReport({ target: { query: 'worker', pid: 5 }, state: 'dead', process: null })];
    expect(expectValidReports(renderJson(two, { color: false }))).toHaveLength(2);
    expect(renderTable(two, { color: false }).match(/^Target/gm)).toHaveLength(2);
    expect(renderMarkdown(two, { color: false }).match(/^## whydied/gm)).toHaveLength(2);
  });

  it('rendererFor picks each format', () => {
    expect(rendererFor('json')).toBe(renderJson);
    expect(rendererFor('table')).toBe(renderTable);
    expect(rendererFor('markdown')).toBe(renderMarkdown);
  });

  it('a dead report with a cause shows the cause line', () => {
    const dead = sampleReport({
      state: 'dead',
      process: null,
      risks: [],
      remedy: [],
      verdict: {
        status: 'died',
        summary: 'killed by SIGKILL',
        cause: { kind: 'signal', signal: 'SIGKILL', sender: { pid: 77, comm: 'kill\u001b', uid: 0 }, time: '2024-05-01T12:00:00.000Z', source: 'watch' },
      },
    });
    validateReport(dead);
    const out = renderTable(dead, { color: false });
    expect(out).toContain('Cause    signal · SIGKILL · sent by 77 (kill\\x1b, uid 0)');
    expect(out).not.toContain('Survival');
    expect(out).not.toContain('To make it survive');
  });
});
