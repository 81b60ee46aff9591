/**
 * Field readers compiled from an event's format (format.ts): each takes the page buffer and the record's
 * data offset. Names are read as bytes and kept byte-safe (src/util/name-bytes.ts): a newline or any other
 * byte in a comm or a file name is part of the value, never a record boundary — the binary record has
 * no text to inject into.
 */
import { decodeCString } from '../../util/name-bytes';
import { EventFormat, FieldLayout, TraceFormatError } from './format';

export type IntReader = (buf: Buffer, base: number, size: number) => number;
export type StrReader = (buf: Buffer, base: number, size: number) => string;

function need(fmt: EventFormat, name: string): FieldLayout {
  const f = fmt.fields.get(name);
  if (!f) throw new TraceFormatError(`${fmt.name} has no field ${name}`);
  return f;
}

function intOf(f: FieldLayout, fold32: boolean): IntReader {
  const { offset, size, signed } = f;
  const check = (s: number): void => {
    if (offset + size > s) throw new TraceFormatError(`${f.name} beyond its record`);
  };
  // Syscall arguments are stored as unsigned long (8 bytes, or 4 on 32-bit kernels): an int or pid_t
  // argument is its low 32 bits, signed (kill(-1234, ...) arrives zero- or sign-extended; both fold to -1234).
  if (fold32 && (size === 8 || size === 4))
    return (buf, base, s) => {
      check(s);
      return buf.readInt32LE(base + offset);
    };
  if (size === 8) {
    return (buf, base, s) => {
      check(s);
      const lo = buf.readUInt32LE(base + offset);
      const hi = signed ? buf.readInt32LE(base + offset + 4) : buf.readUInt32LE(base + offset + 4);
      return hi * 2 ** 32 + lo;
    };
  }
  if (size === 4)
    return signed
      ? (buf, base, s) => (check(s), buf.readInt32LE(base + offset))
      : (buf, base, s) => (check(s), buf.readUInt32LE(base + offset));
  if (size === 2)
    return signed
      ? (buf, base, s) => (check(s), buf.readInt16LE(base + offset))
      : (buf, base, s) => (check(s), buf.readUInt16LE(base + offset));
  if (size === 1)
    return signed
      ? (buf, base, s) => (check(s), buf.readInt8(base + offset))
      : (buf, base, s) => (check(s), buf.readUInt8(base + offset));
  throw new TraceFormatError(`${f.name}: integer of ${size} bytes`);
}

/** An integer field (1, 2, 4 or 8 bytes, as the format says). */
export function intField(fmt: EventFormat, name: string): IntReader {
  return intOf(need(fmt, name), false);
}

/** An int or pid_t syscall argument (stored in 8 bytes on 64-bit kernels): the value the caller passed. */
export function argField(fmt: EventFormat, name: string): IntReader {
  return intOf(need(fmt, name), true);
}

/** Present only on some kernels (`group_dead`, mark_victim's details): null when the format lacks it. */
export function optionalInt(fmt: EventFormat, name: string): IntReader | null {
  return fmt.fields.has(name) ? intOf(need(fmt, name), false) : null;
}

/** A `char x[N]` or a `__data_loc char[] x` / `__rel_loc` string, up to its NUL. */
export function strField(fmt: EventFormat, name: string): StrReader {
  const f = need(fmt, name);
  const { offset, size } = f;
  if (f.loc === null)
    return (buf, base, s) => {
      if (offset + size > s) throw new TraceFormatError(`${name} beyond its record`);
      return decodeCString(buf, base + offset, base + offset + size);
    };
  // The 32-bit locator: low 16 bits the offset (from the record, or from the field's end for __rel_loc),
  // high 16 bits the length (NUL included).
  const rel = f.loc === 'rel' ? offset + size : 0;
  return (buf, base, s) => {
    if (offset + 4 > s) throw new TraceFormatError(`${name} beyond its record`);
    const loc = buf.readUInt32LE(base + offset);
    const at = (loc & 0xffff) + rel;
    const len = loc >>> 16;
    if (at + len > s) throw new TraceFormatError(`${name} string beyond its record`);
    return decodeCString(buf, base + at, base + at + len);
  };
}

export function optionalStr(fmt: EventFormat, name: string): StrReader | null {
  return fmt.fields.has(name) ? strField(fmt, name) : null;
}
