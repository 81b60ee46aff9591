/**
 * Process names, argv, paths and fd targets are hostile: anyone can exec with an argv holding
 * terminal escapes, or rename a thread to one (PR_SET_NAME). Table and markdown output show every
 * control character escaped, never raw: C0 (incl. \n \r \t and ESC), DEL, C1 (a lone 0x9b is a CSI
 * on some terminals), and the Unicode line separators and bidirectional overrides that can make text
 * display differently from what it is (every bidi control: U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069),
 * and the byte-order mark U+FEFF. A byte of a name that is not UTF-8 (kept as a lone U+DC80..U+DCFF by
 * src/util/name-bytes.ts) is shown as the byte it was, `\xNN`.
 */
// eslint-style note: the character class is built from code points so the source itself holds no raw controls.
// Under /u a lone surrogate is matched alone, never half of a pair.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\udc80-\udcff]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16)}`;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function escapeControl(s: string): string {
  return s.replace(UNSAFE, escapeOne);
}

/** True when `s` holds nothing escapeControl would change. */
export function isClean(s: string): boolean {
  UNSAFE.lastIndex = 0;
  return !new RegExp(UNSAFE.source, 'u').test(s);
}

/**
 * JSON text whose strings hold no raw terminal control or bidi character: JSON.stringify escapes C0 but
 * leaves DEL, C1, U+061C, U+200E/F, U+2028/9, U+202A-E, U+2066-9 and U+FEFF raw; here they become `\u202e`
 * (the same string to every JSON parser, inert on a terminal). Never `\x202e`: that is not JSON, and reads
 * as the byte 0x20 followed by "2e".
 */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
export function jsonEscapeRaw(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON.stringify, then jsonEscapeRaw. */
export function safeJson(value: unknown, indent?: number): string {
  return jsonEscapeRaw(JSON.stringify(value, null, indent));
}
