/**
 * Help and listings wrapped at word boundaries at every width: each command's --help, run for real (piped,
 * the width from COLUMNS), holds the same words in the same order as the unwrapped text (no word cut), and
 * no line is wider than the width unless it is one word too long to fit. A pipe without COLUMNS gets 80.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { wrapHelp, helpWidth } from '../../src/cli/help-wrap';

const CLI = path.resolve(__dirname, '../../dist/whydied.js');
const COMMANDS = [
  '',
  'diagnose',
  'capture',
  'checks',
  'watch',
  'record',
  'launch',
  'run',
  'scan',
  'explain',
  'completion',
];
const WIDTHS = [24, 40, 60, 80, 100, 132];

function cli(args: string[], columns?: number): string {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.COLUMNS;
  if (columns !== undefined) env.COLUMNS = String(columns);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  expect(r.stderr).toBe('');
  return r.stdout;
}

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/**
 * No line wider than `width`, except one that holds a single unit too long to fit anywhere: a word, a
 * backticked command or a yargs note (`[choices: ...]`), kept whole, or a label alone on its line.
 */
function expectWrapped(text: string, width: number): void {
  for (const line of text.split('\n')) {
    if ([...line].length <= width) continue;
    const unit = line.trim();
    const whole =
      words(unit).length === 1 ||
      /^`[^`]+`[.,;:)]?$/.test(unit) ||
      /^\[[^\]]+\]$/.test(unit) ||
      (/^ {2}\S/.test(line) && !/\S {2,}\S/.test(unit));
    expect({ width, line, whole }).toEqual({ width, line, whole: true });
  }
}

describe('--help', () => {
  it.each(COMMANDS)('whydied %s --help: every width, the same words, none cut', (cmd) => {
    const args = cmd ? [cmd, '--help'] : ['--help'];
    const wide = words(cli(args, 1000));
    expect(wide.length).toBeGreaterThan(10);
    for (const width of WIDTHS) {
      const text = cli(args, width);
      expect(words(text)).toEqual(wide);
      expectWrapped(text, width);
    }
  });

  it('a pipe without COLUMNS: 80 columns (the loader answers --help alone; a command goes through yargs)', () => {
    for (const args of [['--help'], ['launch', '--help'], ['run', '--help']]) {
      const text = cli(args);
      expectWrapped(text, 80);
      expect(text.split('\n').some((l) => l.length > 60)).toBe(true);
    }
  });

  it('launch and run --help use the whole width for their description', () => {
    for (const cmd of ['launch', 'run']) {
      const para = cli([cmd, '--help'], 80).split('\n\n')[1];
      expect(para.split('\n')[0].length).toBeGreaterThan(60);
    }
  });
});

describe('wrapHelp', () => {
  it('a label column keeps its descriptions hanging under it, or below it when too narrow', () => {
    const raw = '  --log      Append stdout and stderr here (default: <state dir>/logs/<name>.log)      [string]';
    expect(wrapHelp(raw, 50).split('\n')).toEqual([
      '  --log      Append stdout and stderr here',
      '             (default: <state',
      '             dir>/logs/<name>.log) [string]',
    ]);
    expect(wrapHelp(raw, 30).split('\n')).toEqual([
      '  --log',
      '      Append stdout and stderr',
      '      here (default: <state',
      '      dir>/logs/<name>.log)',
      '      [string]',
    ]);
  });

  it('width: a terminal (at most 100), else COLUMNS, else 80', () => {
    expect(helpWidth({ isTTY: true, columns: 132 }, {})).toBe(100);
    expect(helpWidth({ isTTY: true, columns: 70 }, {})).toBe(70);
    expect(helpWidth({ isTTY: false }, { COLUMNS: '120' })).toBe(120);
    expect(helpWidth({ isTTY: false }, {})).toBe(80);
    expect(helpWidth({ isTTY: false }, { COLUMNS: 'x' })).toBe(80);
  });
});

describe('checks', () => {
  it('the list wraps at the width, under the title column', () => {
    for (const width of [60, 80, 120]) {
      const text = cli(['checks'], width);
      expectWrapped(text, width);
      expect(words(text)).toEqual(words(cli(['checks'], 1000)));
    }
  });

  it('--rules opens with the rules, not with how the doc is generated', () => {
    const text = cli(['checks', '--rules']);
    expect(text.startsWith('# Survival rules\n\nEach row')).toBe(true);
    expect(text).not.toContain('survival-rules-doc');
  });
});
