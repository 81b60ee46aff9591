/**
 * Word wrapping for the table renderer. Words are never broken: a word longer than the line (a path,
 * a command) gets a line of its own and overflows rather than being cut, so what is printed can still be
 * copied whole. Widths are counted in code points of plain text; colour is added after wrapping.
 */

const NBSP = '\u00a0';

/**
 * Spans that must stay on one line: a command in backticks, and a short parenthesised command such as
 * `(kill -- -18929)`, which split at its spaces would read as two commands.
 */
function glue(para: string): string {
  return para
    .replace(/`[^`\n]+`/g, (m) => m.replace(/ /g, NBSP))
    .replace(/\((?:kill|setsid|nohup|disown|sudo|systemctl)[^()\n]{0,30}\)/g, (m) => m.replace(/ /g, NBSP));
}

/** Split `text` into lines of at most `width` columns (except for single overlong words). */
export function wrapText(text: string, width: number | undefined): string[] {
  // NBSP marks glued spans and is turned back into a space; an NBSP in process data prints as a space
  // too, which changes nothing a terminal could act on.
  return wrapGlued(text, width).map((l) => l.split(NBSP).join(' '));
}

function wrapGlued(text: string, width: number | undefined): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const para = width === undefined ? raw : glue(raw);
    if (width === undefined || [...para].length <= width) {
      out.push(para);
      continue;
    }
    let line = '';
    for (const word of para.split(/ +/)) {
      if (word === '') continue;
      if (line === '') line = word;
      else if ([...line].length + 1 + [...word].length <= width) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * A labelled block: `label` (already padded, possibly coloured, `labelWidth` columns wide) before the
 * first line, the same number of spaces before the rest (a hanging indent).
 */
export function hanging(label: string, labelWidth: number, text: string, width: number | undefined): string[] {
  const room = width === undefined ? undefined : Math.max(20, width - labelWidth);
  const lines = wrapText(text, room);
  const pad = ' '.repeat(labelWidth);
  return lines.map((l, i) => `${i === 0 ? label : pad}${l}`);
}
