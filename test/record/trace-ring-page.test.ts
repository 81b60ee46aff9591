/**
 * The ring-buffer page decoder and the format parsers. The header texts are this kernel's (6.18) tracefs
 * output, copied; the pages are HAND-MADE on purpose: each holds the record types and the malformed cases
 * (lengths out of bounds, a commit beyond the page) that a live buffer produces rarely or never on demand.
 * The decoder on real pages is tested in trace-raw-reader.test.ts.
 */
import { parseEventFormat, parseEventHeader, parsePageHeader, RingLayout } from '../../src/source/trace/format';
import { decodePage } from '../../src/source/trace/ring-page';
import { intField, strField, argField } from '../../src/source/trace/fields';

const HEADER_PAGE = [
  '\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;',
  '\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;',
  '\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;',
  '\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;',
].join('\n');

const HEADER_EVENT = [
  '# compressed entry header',
  '\ttype_len    :    5 bits',
  '\ttime_delta  :   27 bits',
  '\tarray       :   32 bits',
  '',
  '\tpadding     : type == 29',
  '\ttime_extend : type == 30',
  '\ttime_stamp : type == 31',
  '\tdata max type_len  == 28',
].join('\n');

const EXEC_FORMAT = `name: sched_process_exec
ID: 365
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;
\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;
\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;

print fmt: "filename=%s pid=%d old_pid=%d", __get_str(filename), REC->pid, REC->old_pid
`;

const layout: RingLayout = {
  page: parsePageHeader(HEADER_PAGE),
  event: parseEventHeader(HEADER_EVENT),
  pageSize: 4096,
};

/** A page builder: records appended after the 16-byte header. */
class Page {
  readonly buf = Buffer.alloc(4096);
  private p = 16;
  constructor(ts: number) {
    this.buf.writeBigUInt64LE(BigInt(ts), 0);
  }
  private hdr(type: number, delta: number): void {
    this.buf.writeUInt32LE(((delta << 5) | type) >>> 0, this.p);
    this.p += 4;
  }
  data(delta: number, payload: Buffer): this {
    if (payload.length <= 28 * 4 && payload.length % 4 === 0) {
      this.hdr(payload.length / 4, delta);
    } else {
      this.hdr(0, delta);
      const padded = (payload.length + 3) & ~3;
      this.buf.writeUInt32LE(padded + 4, this.p);
      this.p += 4;
    }
    payload.copy(this.buf, this.p);
    this.p += (payload.length + 3) & ~3;
    return this;
  }
  extend(value: number): this {
    this.hdr(30, value % 2 ** 27);
    this.buf.writeUInt32LE(Math.floor(value / 2 ** 27), this.p);
    this.p += 4;
    return this;
  }
  absolute(value: number): this {
    this.hdr(31, value % 2 ** 27);
    this.buf.writeUInt32LE(Math.floor(value / 2 ** 27), this.p);
    this.p += 4;
    return this;
  }
  discarded(bytes: number): this {
    this.hdr(29, 1);
    this.buf.writeUInt32LE(bytes, this.p);
    this.p += bytes;
    return this;
  }
  raw(u32: number): this {
    this.buf.writeUInt32LE(u32 >>> 0, this.p);
    this.p += 4;
    return this;
  }
  commit(flags = 0, missed?: number): Buffer {
    this.buf.writeUInt32LE(((this.p - 16) | flags) >>> 0, 8);
    if (missed !== undefined) this.buf.writeBigUInt64LE(BigInt(missed), this.p);
    return this.buf;
  }
}

const word = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

function decode(buf: Buffer, len = buf.length) {
  const out: Array<{ ts: number; first: number; size: number }> = [];
  const info = decodePage(buf, len, layout, (ts, off, size) => out.push({ ts, first: buf.readUInt32LE(off), size }));
  return { info, out };
}

describe('tracefs formats', () => {
  it('reads the page header and the record header as this kernel prints them', () => {
    expect(layout.page).toEqual({
      timestampOffset: 0,
      timestampSize: 8,
      commitOffset: 8,
      commitSize: 8,
      dataOffset: 16,
      dataSize: 4080,
    });
    expect(layout.event).toEqual({
      padding: 29,
      timeExtend: 30,
      timeStamp: 31,
      dataMaxTypeLen: 28,
      typeLenBits: 5,
      timeDeltaBits: 27,
    });
  });

  it('reads an event format: id, offsets, sizes, __data_loc', () => {
    const f = parseEventFormat(EXEC_FORMAT);
    expect(f.id).toBe(365);
    expect(f.fields.get('filename')).toMatchObject({ offset: 8, size: 4, loc: 'data' });
    expect(f.fields.get('old_pid')).toMatchObject({ offset: 16, size: 4, signed: true, loc: null });
  });

  it('a __data_loc string keeps every byte, newlines and invalid UTF-8 included, and stays in its record', () => {
    const f = parseEventFormat(EXEC_FORMAT);
    const name = Buffer.from('/tmp/a\nb-1 [000] ...: x\xff', 'latin1');
    const rec = Buffer.alloc(20 + name.length + 1);
    rec.writeUInt16LE(365, 0);
    rec.writeInt32LE(77, 4);
    rec.writeUInt32LE(((name.length + 1) << 16) | 20, 8);
    rec.writeInt32LE(77, 12);
    name.copy(rec, 20);
    expect(strField(f, 'filename')(rec, 0, rec.length)).toBe('/tmp/a\nb-1 [000] ...: x\udcff');
    expect(intField(f, 'pid')(rec, 0, rec.length)).toBe(77);
    // A locator pointing past the record is refused, not read.
    rec.writeUInt32LE((200 << 16) | 20, 8);
    expect(() => strField(f, 'filename')(rec, 0, rec.length)).toThrow(/beyond/);
  });

  it('folds 8-byte syscall arguments to the int the caller passed', () => {
    const f = parseEventFormat(`name: sys_enter_kill\nID: 251\nformat:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
\tfield:pid_t pid;\toffset:16;\tsize:8;\tsigned:0;
\tfield:int sig;\toffset:24;\tsize:8;\tsigned:0;
`);
    const rec = Buffer.alloc(32);
    rec.writeBigUInt64LE(0xfffffb2en, 16); // kill(-1234, ...) zero-extended
    rec.writeBigUInt64LE(0xfffffffffffffb2en, 24); // and sign-extended
    expect(argField(f, 'pid')(rec, 0, 32)).toBe(-1234);
    expect(argField(f, 'sig')(rec, 0, 32)).toBe(-1234);
  });
});

describe('ring-buffer pages (hand-made)', () => {
  it('walks data records, time extends, discarded records and absolute stamps with the right clock', () => {
    const big = Buffer.alloc(130, 7); // > 28 words: length in array[0]
    big.writeUInt32LE(0xb16, 0);
    const page = new Page(1_000_000)
      .data(5, word(1))
      .extend(3 * 2 ** 27 + 9)
      .data(2, word(2))
      .discarded(12)
      .data(4, big)
      .absolute(5_000_000_000)
      .data(1, word(3))
      .commit();
    const { info, out } = decode(page);
    expect(info).toEqual({ missed: false, missedCount: null, records: 4, malformed: false });
    const t1 = 1_000_000 + 5;
    const t2 = t1 + 3 * 2 ** 27 + 9 + 2;
    // A discarded record (padding with a length) does not move the clock.
    const t3 = t2 + 4;
    expect(out).toEqual([
      { ts: t1, first: 1, size: 4 },
      { ts: t2, first: 2, size: 4 },
      { ts: t3, first: 0xb16, size: 132 },
      { ts: 5_000_000_001, first: 3, size: 4 },
    ]);
  });

  it('stops at padding with no delta (the rest of the page is empty)', () => {
    const page = new Page(10).data(1, word(1)).raw(29).raw(0xdeadbeef).commit();
    expect(decode(page).out).toEqual([{ ts: 11, first: 1, size: 4 }]);
  });

  it('reports lost events: the flag alone, and the count the kernel stored after the data', () => {
    expect(decode(new Page(10).data(1, word(1)).commit(0x80000000)).info).toMatchObject({
      missed: true,
      missedCount: null,
    });
    expect(decode(new Page(10).data(1, word(1)).commit(0xc0000000, 4242)).info).toMatchObject({
      missed: true,
      missedCount: 4242,
      records: 1,
    });
  });

  it('malformed pages: decoded up to the bad record, flagged, never read out of bounds', () => {
    // A length-in-array record claiming more than the page holds.
    const huge = new Page(10).data(1, word(1)).raw(0).raw(100000).commit();
    expect(decode(huge)).toMatchObject({ info: { malformed: true, records: 1 }, out: [{ first: 1 }] });
    // A commit beyond the bytes read (a short read).
    const short = new Page(10).data(1, word(1)).commit();
    expect(decode(short, 20).info).toMatchObject({ malformed: true, records: 0 });
    // Less than a page header, and an empty read.
    expect(decode(short, 8).info.malformed).toBe(true);
    expect(decode(short, 0).info).toMatchObject({ malformed: false, records: 0 });
    // A type_len 0 record whose array[0] is smaller than itself.
    const tiny = new Page(10).raw(0).raw(2).commit();
    expect(decode(tiny).info).toMatchObject({ malformed: true, records: 0 });
  });
});
