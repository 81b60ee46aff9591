import { runChecks, validateChecks, orderChecks, selectChecks } from '../../src/engine/runner';
import type { Check, CheckContext, FindingInput, Status } from '../../src/engine/types';
import { fakeFacts } from './fake-facts';
import { createCheckContext } from '../../src/engine/context';

const ctx: CheckContext = createCheckContext(fakeFacts(), { query: '1', pid: 1, startTime: null, name: null });

/** A small synthetic check: the runner under test is the real one. */
function check(id: string, status: Status, extra: Partial<Check['meta']> = {}, run?: Check['run']): Check {
  return {
    meta: { id, title: `Title ${id}`, description: `desc ${id}`, ...extra },
    run: run ?? ((): FindingInput => ({ status, code: 'done', summary: `${id} ${status}` })),
  };
}

describe('validateChecks / orderChecks', () => {
  it('orders by list order, moving a check after what it requires (stable)', () => {
    const list = [
      check('c', 'pass', { requires: ['b'] }),
      check('a', 'pass'),
      check('b', 'pass', { requires: ['a'] }),
      check('d', 'pass'),
    ];
    validateChecks(list);
    expect(orderChecks(list).map((c) => c.meta.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('rejects unknown requirements, cycles, duplicates and bad ids with one line naming the check', () => {
    const cases: Array<[Check[], RegExp]> = [
      [[check('a', 'pass', { requires: ['nope'] })], /^check 'a' requires unknown check 'nope'$/],
      [
        [check('a', 'pass', { requires: ['b'] }), check('b', 'pass', { requires: ['a'] })],
        /^check 'a' is part of a requirement cycle/,
      ],
      [[check('a', 'pass'), check('a', 'pass')], /^check 'a' is defined twice$/],
      [[check('Bad_Id', 'pass')], /^check 'Bad_Id': id must be kebab-case/],
    ];
    for (const [list, msg] of cases) {
      expect(() => validateChecks(list)).toThrow(msg);
      try {
        validateChecks(list);
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
        expect((e as Error).name).toBe('UsageError');
      }
    }
  });

  it('selectChecks applies --only/--skip and rejects unknown ids', () => {
    const list = [check('a', 'pass'), check('b', 'pass'), check('c', 'pass')];
    expect(selectChecks(list, ['a', 'c']).map((c) => c.meta.id)).toEqual(['a', 'c']);
    expect(selectChecks(list, undefined, ['b']).map((c) => c.meta.id)).toEqual(['a', 'c']);
    expect(() => selectChecks(list, ['zzz'])).toThrow("unknown check id 'zzz' in --only");
    expect(() => selectChecks(list, undefined, ['zzz'])).toThrow("unknown check id 'zzz' in --skip");
  });
});

describe('runChecks', () => {
  it('runs in requirement order and records id, title, duration; every check gets the one shared model', async () => {
    const seen: CheckContext[] = [];
    const spy = (id: string): Check =>
      check(id, 'pass', id === 'b' ? { requires: ['a'] } : {}, (c) => {
        seen.push(c);
        return { status: 'pass', code: 'ok', summary: id };
      });
    const out = await runChecks([spy('b'), spy('a')], ctx);
    expect(out.map((f) => f.id)).toEqual(['a', 'b']);
    expect(seen).toHaveLength(2);
    expect(seen[0].model).toBe(ctx.model);
    expect(seen[1].model).toBe(ctx.model);
    expect(out[0]).toMatchObject({ id: 'a', title: 'Title a', status: 'pass', code: 'ok', details: [], evidence: {} });
    expect(typeof out[0].durationMs).toBe('number');
  });

  it('skips a check whose requirement failed, skipped, errored or was not selected — with the reason', async () => {
    for (const st of ['fail', 'skip', 'error'] as const) {
      const out = await runChecks([check('a', st), check('b', 'pass', { requires: ['a'] })], ctx);
      expect(out[1]).toMatchObject({
        id: 'b',
        status: 'skip',
        code: 'requirement-not-met',
        summary: `requires 'a', which ended ${st}`,
      });
    }
    const out = await runChecks([check('b', 'pass', { requires: ['a'] })], ctx);
    expect(out[0]).toMatchObject({ status: 'skip', summary: "requires 'a', which was not selected" });
    // warn and info count as met.
    const ok = await runChecks([check('a', 'warn'), check('b', 'pass', { requires: ['a'] })], ctx);
    expect(ok[1].status).toBe('pass');
  });

  it('turns a throwing check (sync or async) into an error finding and keeps running the rest', async () => {
    const out = await runChecks(
      [
        check('a', 'pass', {}, () => {
          throw new Error('boom\nsecond line');
        }),
        check('b', 'pass', {}, async () => Promise.reject(new TypeError('async boom'))),
        check('c', 'pass'),
      ],
      ctx,
    );
    expect(out.map((f) => [f.id, f.status, f.code])).toEqual([
      ['a', 'error', 'check-crashed'],
      ['b', 'error', 'check-crashed'],
      ['c', 'pass', 'done'],
    ]);
    expect(out[0].summary).toBe('check crashed: boom');
    expect(out[0].evidence).toEqual({}); // no stack unless verbose
    const verbose = await runChecks(
      [
        check('a', 'pass', {}, () => {
          throw new Error('boom');
        }),
      ],
      { ...ctx, options: { verbose: true } },
    );
    expect(String(verbose[0].evidence.stack)).toContain('runner.test.ts');
  });

  it('a check past its time limit becomes an error finding while the others still run', async () => {
    const slow = check('slow', 'pass', { timeoutMs: 100 }, () => new Promise<FindingInput>(() => undefined));
    const started = Date.now();
    const out = await runChecks([slow, check('after', 'pass')], ctx);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(out[0]).toMatchObject({
      id: 'slow',
      status: 'error',
      code: 'check-timed-out',
      summary: 'check did not finish within 100 ms',
    });
    expect(out[0].durationMs).toBeGreaterThanOrEqual(90);
    expect(out[1]).toMatchObject({ id: 'after', status: 'pass' });
    // The runner-wide default applies when meta has none.
    const out2 = await runChecks([check('s', 'pass', {}, () => new Promise<FindingInput>(() => undefined))], ctx, {
      timeoutMs: 50,
    });
    expect(out2[0].code).toBe('check-timed-out');
  });

  it('an unknown code (not in meta.codes) or a malformed result becomes an error finding', async () => {
    const out = await runChecks(
      [
        check('a', 'pass', { codes: { known: 'fine' } }, () => ({ status: 'pass', code: 'unlisted', summary: 'x' })),
        check('b', 'pass', { codes: { known: 'fine' } }, () => ({ status: 'pass', code: 'known', summary: 'x' })),
        check('c', 'pass', {}, () => ({ status: 'great', code: 'x', summary: 'x' }) as unknown as FindingInput),
        check('d', 'pass', {}, () => null as unknown as FindingInput),
      ],
      ctx,
    );
    expect(out.map((f) => [f.status, f.code])).toEqual([
      ['error', 'unknown-code'],
      ['pass', 'known'],
      ['error', 'invalid-finding'],
      ['error', 'invalid-finding'],
    ]);
    expect(out[0].summary).toContain("'unlisted'");
  });

  it('keeps evidence JSON-clean (bigint, undefined, functions) and passes remedy and cause through', async () => {
    const out = await runChecks(
      [
        check('a', 'pass', {}, () => ({
          status: 'fail',
          code: 'x',
          summary: 's',
          evidence: {
            mask: 1n << 40n,
            gone: undefined,
            fn: (() => 1) as unknown as string,
            nested: [1, Infinity],
          } as unknown as FindingInput['evidence'],
          remedy: { text: 't', commands: ['setsid -f x'] },
          cause: { kind: 'signal', signal: 'SIGKILL', source: 'plugin' },
        })),
      ],
      ctx,
    );
    expect(out[0].evidence).toEqual({ mask: '1099511627776', nested: [1, null] });
    expect(out[0].remedy).toEqual({ text: 't', commands: ['setsid -f x'] });
    expect(out[0].cause).toEqual({ kind: 'signal', signal: 'SIGKILL', source: 'plugin' });
  });

  it("checks never see each other's findings: they share the model instead", async () => {
    let keys: string[] = [];
    await runChecks(
      [
        check('a', 'pass'),
        check('b', 'pass', {}, (c) => {
          keys = Object.keys(c);
          return { status: 'pass', code: 'x', summary: 'x' };
        }),
      ],
      ctx,
    );
    expect(keys.sort()).toEqual(['facts', 'model', 'options', 'target']);
  });
});
