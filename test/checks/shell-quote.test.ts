/** shellQuote must round-trip any string without NUL through a real bash. */
import * as fc from 'fast-check';
import { spawnSync } from 'child_process';
import { shellQuote, shellQuoteArgv } from '../../src/util/shell-quote';

function throughBash(quoted: string): string {
  const r = spawnSync('bash', ['-c', `printf %s ${quoted}`], { encoding: 'buffer' });
  if (r.status !== 0) throw new Error(`bash failed for ${quoted}: ${r.stderr.toString()}`);
  return r.stdout.toString('utf8');
}

const noNul = (s: string): boolean => !s.includes('\0');

test('plain words stay bare, others are quoted', () => {
  expect(shellQuote('sleep')).toBe('sleep');
  expect(shellQuote('/usr/bin/python3')).toBe('/usr/bin/python3');
  expect(shellQuote('')).toBe("''");
  expect(shellQuote("it's")).toBe("'it'\\''s'");
  expect(shellQuote('a=b')).toBe("'a=b'");
  expect(shellQuote('~root')).toBe("'~root'");
  expect(shellQuote('x\ny')).toBe("$'x\\ny'".replace('\\n', '\\x0a'));
  expect(shellQuote('\x1b[31m')).toBe("$'\\x1b[31m'");
  expect(shellQuoteArgv(['echo', 'a b', '$HOME'])).toBe("echo 'a b' '$HOME'");
});

test('round-trips arbitrary strings through bash (fast-check)', () => {
  fc.assert(
    fc.property(fc.fullUnicodeString({ maxLength: 40 }).filter(noNul), (s) => {
      expect(throughBash(shellQuote(s))).toBe(s);
    }),
    { numRuns: 150 },
  );
});

test('round-trips strings dense in shell metacharacters and control characters', () => {
  const meta = fc.constantFrom(
    "'",
    '"',
    '\\',
    '$',
    '`',
    '!',
    '*',
    '?',
    '[',
    ']',
    '{',
    '}',
    '(',
    ')',
    ';',
    '&',
    '|',
    '<',
    '>',
    '#',
    '~',
    '=',
    ' ',
    '\t',
    '\n',
    '\x1b',
    '\x7f',
    '\x01',
    'a',
    '%',
    '\u00e9',
    '\u{1F600}',
  );
  fc.assert(
    fc.property(
      fc.array(meta, { maxLength: 30 }).map((a) => a.join('')),
      (s) => {
        expect(throughBash(shellQuote(s))).toBe(s);
      },
    ),
    { numRuns: 150 },
  );
});

test('no raw control character survives quoting (safe to print)', () => {
  fc.assert(
    fc.property(fc.fullUnicodeString({ maxLength: 30 }), (s) => {
      expect(shellQuote(s)).not.toMatch(/[\x00-\x1f\x7f]/);
    }),
  );
});
