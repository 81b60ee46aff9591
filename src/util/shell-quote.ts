/**
 * POSIX shell quoting for the remedy commands whydied prints.
 *
 * argv comes from /proc and is hostile: it may hold quotes, `$`, newlines and terminal escapes.
 * Plain words stay bare so commands stay readable; anything else is single-quoted (`'\''` for a
 * quote). Control characters cannot be pasted safely inside single quotes (a raw ESC would reach
 * the terminal), so words holding them use bash/zsh/ksh `$'...'` with `\xHH` escapes instead.
 */

/** Characters that need no quoting anywhere in a word. `=` and `~` are left out: they change meaning at a word's start. */
const BARE = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * Characters a terminal acts on or that reorder what is shown: C0, DEL, C1 (U+0080-U+009F, CSI
 * among them) and the bidi controls (Trojan Source). Shown raw inside quotes they would let a
 * hostile argv make the pasted command look unlike what runs.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function hex2(code: number): string {
  return code.toString(16).padStart(2, '0');
}

/** `$'...'` form: escapes backslash, quote and every control character (\xHH, or \uHHHH for C1 and bidi, bash >= 4.2); other characters stay literal. */
function ansiCQuote(s: string): string {
  let out = "$'";
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex2(code)}`;
    else if (CONTROL.test(ch)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + "'";
}

/** Quote one word so a POSIX shell (bash for control characters) reads it back unchanged. */
export function shellQuote(word: string): string {
  if (word.length > 0 && BARE.test(word)) return word;
  if (CONTROL.test(word)) return ansiCQuote(word);
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quote a whole argv into one command line. */
export function shellQuoteArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
