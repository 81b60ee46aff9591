/**
 * Process names as the kernel keeps them are bytes, not text: a comm (16 bytes) or an exec'd file name may
 * hold a newline, any control byte, bidi controls or bytes that are not UTF-8 at all. whydied keeps every
 * byte, losslessly, in a JavaScript string:
 *  - valid UTF-8 decodes as usual (so `sleep` stays `sleep`, `\n` is a real newline that JSON escapes);
 *  - each byte that is not part of a valid UTF-8 sequence becomes the lone surrogate U+DC80 + (byte - 0x80)
 *    (the "surrogateescape" scheme of Python's PEP 383). Valid UTF-8 never decodes to a lone surrogate, so
 *    the mapping is reversible (`nameBytes`), and JSON.stringify writes it as `\udcNN` (well-formed JSON).
 * Every output escapes these (src/util/escape.ts shows the original byte as `\xNN`).
 */

const ESCAPE_BASE = 0xdc00;

function isCont(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/**
 * Length of the valid UTF-8 sequence starting at `i` (1-4), or 0 when the byte there does not start one
 * (overlong forms, surrogates encoded in UTF-8 and code points above U+10FFFF are invalid, RFC 3629).
 */
function seqLength(buf: Uint8Array, i: number, end: number): number {
  const b = buf[i];
  if (b < 0x80) return 1;
  const b1 = i + 1 < end ? buf[i + 1] : undefined;
  const b2 = i + 2 < end ? buf[i + 2] : undefined;
  const b3 = i + 3 < end ? buf[i + 3] : undefined;
  if (b >= 0xc2 && b <= 0xdf) return isCont(b1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    if (!isCont(b1) || !isCont(b2)) return 0;
    const c1 = b1 as number;
    if (b === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (b === 0xed && c1 >= 0xa0) return 0; // UTF-16 surrogate
    return 3;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (!isCont(b1) || !isCont(b2) || !isCont(b3)) return 0;
    const c1 = b1 as number;
    if (b === 0xf0 && c1 < 0x90) return 0; // overlong
    if (b === 0xf4 && c1 >= 0x90) return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

/** Bytes [start, end) of `buf` as a byte-safe string (see the module comment). */
export function decodeNameBytes(buf: Uint8Array, start = 0, end = buf.length): string {
  let ascii = true;
  for (let i = start; i < end; i++)
    if (buf[i] >= 0x80) {
      ascii = false;
      break;
    }
  // The common case: plain ASCII names (control bytes included: they are valid one-byte UTF-8).
  if (ascii) return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  let out = '';
  let runStart = start;
  const dec = new TextDecoder('utf-8');
  for (let i = start; i < end;) {
    const n = seqLength(buf, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > runStart) out += dec.decode(buf.subarray(runStart, i));
    out += String.fromCharCode(ESCAPE_BASE + buf[i]);
    i++;
    runStart = i;
  }
  if (end > runStart) out += dec.decode(buf.subarray(runStart, end));
  return out;
}

/** A C string inside `buf`: bytes from `start` up to the first NUL or `end`. */
export function decodeCString(buf: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && buf[stop] !== 0) stop++;
  return decodeNameBytes(buf, start, stop);
}

/** The bytes a byte-safe string stands for (the inverse of decodeNameBytes). */
export function nameBytes(s: string): Buffer {
  // The common case: nothing escaped, the string's UTF-8 is its bytes.
  if (!hasEscapedByte(s)) return Buffer.from(s, 'utf8');
  const parts: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHighSurrogate(s.charCodeAt(i - 1)))) {
      parts.push(c - ESCAPE_BASE);
      continue;
    }
    const cp = s.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) parts.push(b);
  }
  return Buffer.from(parts);
}

/** Holds a lone U+DC80..U+DCFF (a code unit scan: no regex state involved). */
export function hasEscapedByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHighSurrogate(s.charCodeAt(i - 1)))) return true;
  }
  return false;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
