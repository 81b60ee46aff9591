import { outputWidth, pickFormat, splitIds, toList, useColor } from '../../src/cli/options';
import { collapse, reportError } from '../../src/cli/errors';
import { UsageError } from '../../src/util/errors';

describe('colour decision', () => {
  it('only on a TTY, never with --no-color or a non-empty NO_COLOR', () => {
    expect(useColor(undefined, { isTTY: true }, {})).toBe(true);
    expect(useColor(true, { isTTY: false }, {})).toBe(false);
    expect(useColor(undefined, { isTTY: undefined }, {})).toBe(false);
    expect(useColor(false, { isTTY: true }, {})).toBe(false);
    expect(useColor(undefined, { isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(undefined, { isTTY: true }, { NO_COLOR: '' })).toBe(true);
  });
});

describe('option helpers', () => {
  it('splits repeatable comma-separated ids', () => {
    expect(splitIds(toList(['a,b', ' c ', '']))).toEqual(['a', 'b', 'c']);
    expect(splitIds(toList('x'))).toEqual(['x']);
    expect(splitIds(toList(undefined))).toBeUndefined();
  });
  it('picks the format; --json wins and conflicts with another --format', () => {
    expect(pickFormat(undefined, undefined)).toBe('table');
    expect(pickFormat(true, undefined)).toBe('json');
    expect(pickFormat(true, 'json')).toBe('json');
    expect(pickFormat(undefined, 'markdown')).toBe('markdown');
    expect(() => pickFormat(true, 'table')).toThrow(UsageError);
    expect(() => pickFormat(undefined, 'xml')).toThrow("unknown --format 'xml'");
  });
  it('table width: terminal, else $COLUMNS, else 80', () => {
    expect(outputWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(outputWidth({ isTTY: false }, { COLUMNS: '90' })).toBe(90);
    expect(outputWidth({}, {})).toBe(80);
  });
});

describe('reportError', () => {
  it('usage errors exit 2, anything else 70, always one line; stack only when verbose', () => {
    const lines: string[] = [];
    const w = (s: string): void => void lines.push(s);
    expect(reportError(new UsageError('bad\ninput'), false, w)).toBe(2);
    expect(reportError(new TypeError('x is undefined'), false, w)).toBe(70);
    expect(lines).toEqual(['whydied: bad input\n', 'whydied: internal error: x is undefined\n']);
    lines.length = 0;
    reportError(new Error('boom'), true, w);
    expect(lines[1]).toMatch(/^Error: boom\n\s+at /);
    expect(collapse('Invalid values:\n  Argument: format')).toBe('Invalid values: Argument: format');
  });
});
