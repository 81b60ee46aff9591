/**
 * Byte-safe names (src/util/name-bytes.ts): every byte string a kernel name can hold round-trips exactly,
 * through JSON too (the store), and valid UTF-8 decodes as it always did.
 */
import { decodeNameBytes, nameBytes } from '../../src/util/name-bytes';
import { escapeControl, isClean } from '../../src/util/escape';

/** A small deterministic generator: the failing case replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('byte-safe names', () => {
  it('valid UTF-8 (controls, bidi, emoji) decodes as UTF-8', () => {
    for (const s of ['sleep', 'a\nb', '\u202eevil', 'x\u2066y', '🦀 crab', 'é\t\r\x1b[31m', ''])
      expect(decodeNameBytes(Buffer.from(s, 'utf8'))).toBe(s);
  });

  it('invalid bytes become lone U+DC80..U+DCFF, one per byte', () => {
    expect(decodeNameBytes(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\udcffb');
    // Overlong, UTF-8-encoded surrogate, above U+10FFFF, truncated sequences: each byte escaped.
    expect(decodeNameBytes(Buffer.from([0xc0, 0xaf]))).toBe('\udcc0\udcaf');
    expect(decodeNameBytes(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\udced\udca0\udc80');
    expect(decodeNameBytes(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe('\udcf4\udc90\udc80\udc80');
    expect(decodeNameBytes(Buffer.from([0x41, 0xe2, 0x80]))).toBe('A\udce2\udc80');
  });

  it('10,000 random byte strings round-trip exactly, through JSON as the store writes them', () => {
    const next = rng(Number(process.env.WHYDIED_FUZZ_SEED ?? 24));
    const bad: string[] = [];
    for (let i = 0; i < 10000; i++) {
      const len = Math.floor(next() * 40);
      const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(next() * 256)));
      const s = decodeNameBytes(bytes);
      const back = JSON.parse(JSON.stringify({ comm: s })) as { comm: string };
      if (!nameBytes(back.comm).equals(bytes)) bad.push(bytes.toString('hex'));
    }
    expect(bad).toEqual([]);
  });
});

describe('escaping byte-safe names for display', () => {
  it('an invalid byte shows as the byte it was, a valid emoji stays whole, controls and bidi escaped', () => {
    const { escapeControl, isClean } =
      jest.requireActual<typeof import('../../src/util/escape')>('../../src/util/escape');
    const name = decodeNameBytes(Buffer.from([0x61, 0x0a, 0xff, 0x1b, 0xe2, 0x80, 0xae, 0xf0, 0x9f, 0xa6, 0x80]));
    expect(escapeControl(name)).toBe('a\\n\\xff\\x1b\\u202e🦀');
    expect(isClean(name)).toBe(false);
    expect(isClean('🦀 crab')).toBe(true);
  });
});
