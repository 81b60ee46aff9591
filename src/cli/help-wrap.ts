/**
 * --help wrapped at word boundaries at any width. yargs (through cliui) breaks words that do not fit
 * (`(st` / `dout`) and wraps a command's description in the usage block at a fraction of the width, so the
 * parser renders its help unwrapped (HELP_RAW_WIDTH) and this wraps it: a line with a label column
 * (`  --name   Describe...   [string]`) keeps its description in that column, continuation lines hanging
 * under it; when the column leaves too little room, the description goes below the label, indented. The
 * words themselves are wrapped by src/render/wrap.ts (never mid-word; an overlong word overflows whole).
 */
import { wrapText } from '../render/wrap';

/** Wide enough that yargs wraps nothing of whydied's help. */
export const HELP_RAW_WIDTH = 2000;

/** Below this many columns for the description, it goes on lines of its own under the label. */
const MIN_ROOM = 24;

/** yargs' `[boolean]`, `[default: "bash"]`, `[choices: "a", "b"]`: one unit each, never split. */
const glueBrackets = (s: string): string => s.replace(/\[[^\]\n]{1,80}\]/g, (m) => m.replace(/ /g, '\u00a0'));
const unglue = (s: string): string => s.replace(/\u00a0/g, ' ');

function wrapLine(line: string, width: number): string[] {
  const trimmed = line.replace(/\s+$/, '');
  if (trimmed === '') return [''];
  // A label, two or more spaces, then the description (which may end with yargs' right-aligned notes).
  const m = /^( *)(\S(?:.*?\S)??)( {2,})(\S.*)$/.exec(trimmed);
  if (!m) {
    const indent = /^ */.exec(trimmed)?.[0] ?? '';
    return wrapText(glueBrackets(trimmed.slice(indent.length)), Math.max(1, width - indent.length)).map(
      (l) => indent + unglue(l),
    );
  }
  const [, indent, label, gap, rest] = m;
  const text = glueBrackets(rest.replace(/ {2,}/g, ' '));
  const col = indent.length + label.length + gap.length;
  if (width - col >= MIN_ROOM) {
    const lines = wrapText(text, width - col).map(unglue);
    return lines.map((l, i) => (i === 0 ? `${indent}${label}${gap}${l}` : `${' '.repeat(col)}${l}`));
  }
  const under = indent.length + 4;
  return [
    `${indent}${label}`,
    ...wrapText(text, Math.max(1, width - under)).map((l) => `${' '.repeat(under)}${unglue(l)}`),
  ];
}

/** `text` (yargs help rendered at HELP_RAW_WIDTH) wrapped to `width` columns. */
export function wrapHelp(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((l) => wrapLine(l, width))
    .join('\n');
}

/**
 * The width help is wrapped at: a terminal's columns (at most 100: longer lines read badly), else
 * $COLUMNS when it is a plausible width, else 80 (a pipe to `less` on an 80-column terminal).
 */
export function helpWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number {
  if (stream.isTTY && stream.columns) return Math.min(100, stream.columns);
  const cols = Number(env.COLUMNS);
  return Number.isInteger(cols) && cols >= 20 && cols <= 1000 ? cols : 80;
}
