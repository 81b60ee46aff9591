import { reportsForQuery } from '../../src/engine/reports-for-query';
import type { Decision, ReportQueryDeps, ReportQueryOptions, ResolvedQuery } from '../../src/engine/reports-for-query';
import type { Check, CheckTarget } from '../../src/engine/types';
import { exitCodeFor, exitCodeForAll } from '../../src/engine/exit-code';
import { validateReports } from '../helpers/schema';
import { fakeFacts } from './fake-facts';

class FakeQueryError extends Error {}

/** The engine's step with a test's own resolver and verdict. */
const withDeps = (d: ReportQueryDeps, o: ReportQueryOptions) => reportsForQuery(o, d);

function deps(resolved: ResolvedQuery | Error, targets: CheckTarget[] = []): ReportQueryDeps {
  return {
    resolveQuery: () => {
      if (resolved instanceof Error) throw resolved;
      return resolved;
    },
    isQueryError: (e) => e instanceof FakeQueryError,
    decide: ({ target, findings }): Decision => {
      targets.push(target);
      return {
        state: 'alive',
        process: null,
        verdict: {
          status: findings.some((f) => f.status === 'fail') ? 'at-risk' : 'ok',
          summary: `pid ${target.pid}`,
          cause: null,
        },
        risks: [
          {
            event: 'terminal-hangup',
            code: 'hangup.no-tty',
            outcome: 'survives',
            confidence: 'certain',
            reason: 'no tty',
          },
        ],
        remedy: [],
      };
    },
  };
}

const checks: Check[] = [
  {
    meta: { id: 'existence', title: 'Existence', description: 'd' },
    run: () => ({ status: 'pass', code: 'alive', summary: 'alive' }),
  },
  {
    meta: { id: 'tty', title: 'TTY', description: 'd', requires: ['existence'] },
    run: () => ({ status: 'fail', code: 'tty', summary: 'has a tty' }),
  },
];

describe('reportsForQuery', () => {
  it('assembles a schema-valid report for a pid', async () => {
    const [r] = await withDeps(deps({ kind: 'pid', pid: 42 }), {
      query: '42',
      facts: fakeFacts([{ pid: 42, startTime: 500 }]),
      checks,
    });
    validateReports([r]);
    expect(r).toMatchObject({
      schema: 'whydied.report/2',
      generatedAt: '2024-05-01T12:00:00.000Z',
      host: { hostname: 'fakehost', kernel: '6.1.0-test', bootId: 'boot-1', bootTime: '2024-05-01T00:00:00.000Z' },
      target: { query: '42', pid: 42 },
      verdict: { status: 'at-risk' },
    });
    expect(r.checks.map((f) => f.id)).toEqual(['existence', 'tty']);
  });

  it('name queries: live matches newest first, then dead ones newest first, deduplicated', async () => {
    const seen: CheckTarget[] = [];
    const facts = fakeFacts([
      { pid: 10, startTime: 100 },
      { pid: 11, startTime: 300 },
      { pid: 12, startTime: 200 },
    ]);
    const reports = await withDeps(deps({ kind: 'name', name: 'w', pids: [10, 11, 12] }, seen), {
      query: 'w',
      facts,
      checks,
      deadTargets: [
        () => [
          { pid: 5, startTime: 1, name: 'w', timeMs: 1000 },
          { pid: 11, startTime: 300, name: 'w', timeMs: 5 }, // the live pid 11 itself: not listed twice
        ],
        () => [{ pid: 6, startTime: 2, name: 'w', timeMs: 2000 }],
      ],
    });
    expect(seen.map((t) => t.pid)).toEqual([11, 12, 10, 6, 5]);
    expect(seen[0]).toEqual({ query: 'w', pid: 11, startTime: 300, name: 'w' });
    validateReports(reports);
  });

  it('a name with no live or dead match gives one not-found report (exit 4)', async () => {
    const reports = await withDeps(deps({ kind: 'name', name: 'ghost', pids: [] }), {
      query: 'ghost',
      facts: fakeFacts(),
      checks,
      deadTargets: [() => []],
    });
    expect(reports).toHaveLength(1);
    validateReports(reports);
    expect(reports[0]).toMatchObject({
      state: 'not-found',
      process: null,
      target: { query: 'ghost', pid: null },
      checks: [],
    });
    expect(reports[0].verdict.summary).toContain("'ghost'");
    expect(exitCodeForAll(reports)).toBe(4);
  });

  it('a port nobody listens on is a not-found report', async () => {
    const [r] = await withDeps(deps({ kind: 'port', port: 8080, pids: [] }), {
      query: ':8080',
      facts: fakeFacts(),
      checks,
    });
    validateReports([r]);
    expect(r.verdict.summary).toBe('nothing is listening on TCP port 8080');
  });

  it('query errors and unknown --only ids are usage errors; other errors pass through', async () => {
    const facts = fakeFacts();
    await expect(
      withDeps(deps(new FakeQueryError('0 is not a process id')), { query: '0', facts, checks }),
    ).rejects.toMatchObject({
      name: 'UsageError',
      message: '0 is not a process id',
    });
    await expect(withDeps(deps(new RangeError('bug')), { query: '0', facts, checks })).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(
      withDeps(deps({ kind: 'pid', pid: 1 }), { query: '1', facts, checks, only: ['nope'] }),
    ).rejects.toMatchObject({ name: 'UsageError' });
  });

  it('--only / --skip select checks; a dependent of an unselected check is skipped with the reason', async () => {
    const [r] = await withDeps(deps({ kind: 'pid', pid: 1 }), {
      query: '1',
      facts: fakeFacts(),
      checks,
      skip: ['existence'],
    });
    expect(r.checks.map((f) => [f.id, f.status, f.summary])).toEqual([
      ['tty', 'skip', "requires 'existence', which was not selected"],
    ]);
  });
});

describe('exit codes', () => {
  const base = {
    schema: 'whydied.report/2' as const,
    generatedAt: '',
    host: { hostname: '', kernel: '', bootId: '', bootTime: '' },
    target: { query: '', pid: 1 },
    process: null,
    risks: [],
    checks: [],
    remedy: [],
  };
  const r = (
    state: 'alive' | 'zombie' | 'dead' | 'not-found',
    status: 'ok' | 'at-risk' | 'died' | 'unknown',
    kind?: 'oom-kill' | 'unknown',
  ) => ({
    ...base,
    state,
    verdict: { status, summary: 's', cause: kind ? { kind, source: 'kernel-log' as const } : null },
  });
  it('maps state and verdict to the documented codes; the highest wins', () => {
    expect(exitCodeFor(r('alive', 'ok'))).toBe(0);
    expect(exitCodeFor(r('alive', 'at-risk'))).toBe(1);
    expect(exitCodeFor(r('zombie', 'at-risk'))).toBe(1);
    // A zombie whose death a watch, record or the kernel log explains has died with a known cause.
    expect(exitCodeFor(r('zombie', 'died', 'oom-kill'))).toBe(3);
    expect(exitCodeFor(r('dead', 'died', 'oom-kill'))).toBe(3);
    expect(exitCodeFor(r('dead', 'unknown', 'unknown'))).toBe(4);
    expect(exitCodeFor(r('not-found', 'unknown'))).toBe(4);
    expect(exitCodeForAll([r('alive', 'ok'), r('dead', 'died', 'oom-kill'), r('alive', 'at-risk')])).toBe(3);
    expect(exitCodeForAll([])).toBe(4);
  });
});
