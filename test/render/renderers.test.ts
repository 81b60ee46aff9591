// Times render in local time: pin the zone so expectations hold on any machine.
process.env.TZ = 'UTC';

import { renderTable } from '../../src/render/table';
import { renderJson } from '../../src/render/json';
import { renderMarkdown } from '../../src/render/markdown';
import { escapeControl } from '../../src/util/escape';
import { rendererFor } from '../../src/render';
import type { Report } from '../../src/engine/types';
import { expectValidReports, validateReport } from '../helpers/schema';
import { HOSTILE_ARG, HOSTILE_COMM, sampleReport } from './sample-report';

// Anything a terminal could interpret: C0 except the newlines we print ourselves, DEL, C1, bidi.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escapeControl', () => {
  it('escapes C0, DEL, C1 and bidi controls, keeps ordinary text', () => {
    expect(escapeControl('a\nb\rc\td\u001b[0m\u007f\u009b\u202e\u0000é ok')).toBe(
      'a\\nb\\rc\\td\\x1b[0m\\x7f\\x9b\\u202e\\x00é ok',
    );
    expect(escapeControl('plain (text) with spaces')).toBe('plain (text) with spaces');
  });
});

describe('renderers on a report with hostile process data', () => {
  const report = sampleReport();

  it('the fixed report is schema-valid', () => {
    validateReport({ schema: 'whydied.report/2', reports: [report] });
    validateReport({ schema: 'whydied.report/2', reports: [report, sampleReport({ state: 'dead', process: null })] });
    // The old shapes (a bare report, an array) are no longer the contract.
    expect(() => validateReport(report)).toThrow();
    expect(() => validateReport([report])).toThrow();
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
      // The table shows argv (where the C1 byte is) only with --verbose; markdown always.
      if (verbose || render === renderMarkdown) expect(out).toContain(c1);
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

  it('table answers first: verdict, threat and the fix command in the first lines, then survival, then non-pass checks', () => {
    const out = renderTable(report, { color: false });
    const lines = out.split('\n');
    expect(lines[0]).toBe('AT RISK   evil\\x1b[2J\\nname (pid 4242) is alive but dies at a terminal hangup.');
    expect(lines[1]).toBe('Threat    SIGHUP not ignored; pts/3 held by sshd\\x1b[0m');
    expect(lines[2]).toBe('Fix       relaunch it in a session of its own:');
    expect(lines[3]).toBe("  setsid -f /usr/bin/worker $'arg\\x1b' </dev/null >>/tmp/w.log 2>&1");
    expect(out).toMatch(/\n {2}dies {6}terminal-hangup {2}\(the threat above\)\n/);
    expect(out).toMatch(/\n {2}survives {2}parent-exit\n/); // a survivor's reason only with --verbose
    expect(out).toMatch(/\n {2}unknown {3}memory-pressure {2}no cgroup limit\n/);
    expect(out).toMatch(/Checks that did not pass \(1 more with --verbose\)/);
    expect(out).toMatch(/\n {2}warn {2}signals {5}SIGHUP is not ignored\n/);
    expect(out).not.toMatch(/pass {2}existence/);
    // Per-check advice is shown, not only in --json.
    expect(out).toMatch(/advice detach it\n {22}setsid -f \/usr\/bin\/worker 'x'/);
    expect(out).not.toContain('detail with'); // details only in verbose
    expect(out).not.toContain('tmux new'); // the other remedies only in verbose
    const verbose = renderTable(report, { color: false, verbose: true });
    expect(verbose).toContain('detail with \\x1b[1m escape');
    expect(verbose).toMatch(/pass {2}existence/);
    expect(verbose).toContain('reparented to init');
    expect(verbose).toContain('  tmux new -d -s w ```danger```');
    expect(verbose).toMatch(/Process {3}pid 4242/);
  });

  it('an uncertain report leads with the open question and the command that settles it, not repeated below', () => {
    const uncertain = sampleReport({
      verdict: { status: 'uncertain', summary: 'undecided', cause: null },
      risks: [
        {
          event: 'terminal-hangup',
          code: 'hangup.shell-job',
          outcome: 'unknown',
          confidence: 'possible',
          reason: 'a job of bash (pid 7), unless disowned, which /proc cannot show',
        },
        {
          event: 'group-kill',
          code: 'group.own-group',
          outcome: 'survives',
          confidence: 'certain',
          reason: 'leads its own group',
        },
      ],
      remedy: ['setsid -f sleep 9 </dev/null >>/tmp/sleep.log 2>&1'],
      remedySteps: [{ kind: 'relaunch-detached', command: 'setsid -f sleep 9 </dev/null >>/tmp/sleep.log 2>&1' }],
    });
    const lines = renderTable(uncertain, { color: false, width: 80 }).split('\n');
    expect(lines[0]).toBe('UNCERTAIN evil\\x1b[2J\\nname (pid 4242) is alive; /proc cannot tell whether it');
    expect(lines[1]).toBe('          survives a terminal hangup.');
    expect(lines[2]).toBe('Undecided a job of bash (pid 7), unless disowned, which /proc cannot show');
    expect(lines[3]).toBe('Fix       to be sure, relaunch it in a session of its own:');
    expect(lines[4]).toBe('  setsid -f sleep 9 </dev/null >>/tmp/sleep.log 2>&1');
    expect(lines.join('\n')).toMatch(/\n {2}unknown {3}terminal-hangup {2}\(undecided above\)\n/);
  });

  it('table wraps to the width without breaking a word, and leaves commands whole on their own lines', () => {
    const long = sampleReport({
      risks: [
        {
          event: 'group-kill',
          code: 'group.shares-with-runner',
          outcome: 'dies',
          confidence: 'certain',
          reason: `it shares process group 18929 with bash -c shell (pid 18929), a job runner: when the runner or its caller kills the group (kill -- -18929), it dies too ${'word '.repeat(30)}`,
        },
      ],
    });
    for (const width of [80, 200]) {
      for (const verbose of [false, true]) {
        const out = renderTable(long, { color: false, width, verbose });
        const lines = out.split('\n');
        for (const line of lines) {
          if (line.startsWith('  setsid') || line.startsWith('  tmux')) continue; // commands are never wrapped
          expect(line.length).toBeLessThanOrEqual(width);
        }
        if (!verbose) {
          // The Threat block, unwrapped, is the reason word for word: no word was broken or cut.
          const start = lines.findIndex((l) => l.startsWith('Threat'));
          const block = [lines[start].slice(10)];
          for (let i = start + 1; lines[i].startsWith(' '.repeat(10)); i++) block.push(lines[i].slice(10));
          expect(block.join(' ')).toBe(long.risks[0].reason.trim());
          // A short command in parentheses is never split across lines.
          expect(lines.some((l) => l.includes('(kill -- -18929)'))).toBe(true);
        }
        expect(out).toContain(`\n  ${long.remedy[0].replace(/\x1b/g, '\\x1b')}\n`);
      }
    }
    // At 80 columns the sentence does wrap (so the test above tested wrapping).
    expect(
      renderTable(long, { color: false, width: 80 })
        .split('\n')
        .filter((l) => l.startsWith('          ')).length,
    ).toBeGreaterThan(1);
  });

  it('verbose never cuts text: every detail and reason appears whole', () => {
    const longWord = 'x'.repeat(150);
    const r = sampleReport({
      risks: [
        {
          event: 'parent-exit',
          code: 'parent.reparent',
          outcome: 'survives',
          confidence: 'likely',
          reason: `because ${longWord} end`,
        },
      ],
    });
    const out = renderTable(r, { color: false, width: 80, verbose: true });
    expect(out).toContain(longWord);
    expect(out).toContain('end');
    expect(out).not.toContain('…');
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

  it('json is one envelope whatever the number of reports', () => {
    const two = [report, sampleReport({ target: { query: 'worker', pid: 5 }, state: 'dead', process: null })];
    expect(expectValidReports(renderJson(two, { color: false }))).toHaveLength(2);
    expect(expectValidReports(renderJson(report, { color: false }))).toHaveLength(1);
    expect(expectValidReports(renderJson([report], { color: false }))).toHaveLength(1);
    for (const r of [report, [report], two])
      expect(Object.keys(JSON.parse(renderJson(r, { color: false })) as object)).toEqual(['schema', 'reports']);
    expect(renderMarkdown(two, { color: false }).match(/^## whydied/gm)).toHaveLength(2);
  });

  it('several matches: one line each, then the full report of the first only (all of them with --all)', () => {
    const dead = sampleReport({
      target: { query: 'worker', pid: 5 },
      state: 'dead',
      process: null,
      risks: [],
      remedy: [],
      verdict: {
        status: 'died',
        summary: 'Process 5 (worker) was killed by SIGKILL.',
        cause: {
          kind: 'signal',
          signal: 'SIGKILL',
          time: '2024-05-01T11:57:00.000Z',
          source: 'watch',
          confidence: 'confirmed',
        },
      },
    });
    const two = [sampleReport({ target: { query: 'worker', pid: 4242 } }), dead];
    const out = renderTable(two, { color: false, width: 80 });
    const lines = out.split('\n');
    expect(lines[0]).toBe('2 processes match worker (newest first); the first is reported below (--all:');
    expect(lines[2]).toMatch(
      /^ {2}at-risk {5}4242 {2}evil\\x1b\[2J\\nname · started 11:00:00 UTC \(1 h ago\) · dies at$/,
    );
    expect(lines[3]).toMatch(/^ {20}a terminal hangup$/);
    expect(lines[4]).toBe('  died           5  worker · died 11:57:00 UTC (3 min ago) · SIGKILL · whydied');
    expect(out.match(/^AT RISK/gm)).toHaveLength(1);
    expect(out).not.toMatch(/^DIED/m);
    // A zombie's line says how it ended (its wait status, stat field 52).
    const zombie = sampleReport({
      target: { query: 'worker', pid: 6 },
      state: 'zombie',
      risks: [],
      checks: [
        {
          id: 'existence',
          title: 'E',
          status: 'warn',
          code: 'zombie',
          summary: 'z',
          details: [],
          evidence: { exitStatus: { raw: 9, exitCode: null, signal: 'SIGKILL', coreDumped: false } },
          durationMs: 0,
        },
      ],
      verdict: { status: 'at-risk', summary: 'z', cause: null },
    });
    expect(renderTable([zombie, dead], { color: false, width: 120 })).toMatch(
      / {2}at-risk {8}6 {2}evil\\x1b\[2J\\nname · started 11:00:00 UTC \(1 h ago\) · zombie, killed by SIGKILL\n/,
    );
    const all = renderTable(two, { color: false, width: 80, all: true });
    expect(all.match(/^AT RISK/gm)).toHaveLength(1);
    expect(all.match(/^DIED/gm)).toHaveLength(1);
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
        cause: {
          kind: 'signal',
          signal: 'SIGKILL',
          sender: { pid: 77, comm: 'kill\u001b', uid: 0 },
          time: '2024-05-01T11:57:00.000Z',
          source: 'watch',
          confidence: 'confirmed',
        },
      },
    });
    validateReport({ schema: 'whydied.report/2', reports: [dead] });
    const out = renderTable(dead, { color: false });
    expect(out.split('\n')[0]).toBe('DIED      killed by SIGKILL');
    // Local time to the second and how long ago (TZ=UTC in jest.config), the tool named once, the confidence.
    expect(out.split('\n')[1]).toBe(
      'Cause     SIGKILL · sent by kill\\x1b (pid 77, uid 0) · at 11:57:00 UTC (3 min ago) · from whydied watch · confirmed',
    );
    expect(out).not.toContain('Survival');
    expect(out).not.toContain('[watch]');
  });
});
