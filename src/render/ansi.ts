/** Minimal ANSI colouring for status words; a no-op unless the caller asked for colour. */
const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour | null, on: boolean): string {
  if (!on || colour === null) return text;
  return `\u001b[${CODES[colour]}m${text}\u001b[0m`;
}

const STATUS: Readonly<Record<string, Colour>> = {
  pass: 'green',
  info: 'cyan',
  warn: 'yellow',
  fail: 'red',
  skip: 'gray',
  error: 'magenta',
  ok: 'green',
  'at-risk': 'yellow',
  uncertain: 'yellow',
  died: 'red',
  unknown: 'gray',
  dies: 'red',
  survives: 'green',
  alive: 'green',
  zombie: 'yellow',
  dead: 'red',
  'not-found': 'gray',
};

/** Colour a status/outcome/state word (these are our own enum values, never process data). */
export const statusWord = (word: string, on: boolean): string => paint(word, STATUS[word] ?? null, on);
