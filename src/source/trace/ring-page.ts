/**
 * One ring-buffer page as trace_pipe_raw returns it (kernel/trace/ring_buffer.c, ring_buffer_read_page(),
 * Documentation/trace/ring-buffer-design.rst):
 *
 *   page header   u64 time_stamp (the clock at the first record), local_t commit, data[]
 *   commit        bytes of data in use; bit 31 RB_MISSED_EVENTS (events were lost before this page),
 *                 bit 30 RB_MISSED_STORED (the lost count is stored as a long right after the data)
 *   record        u32 header: type_len (low 5 bits on little-endian), time_delta (27 bits), then array[]
 *     type_len 1..max   data of type_len * 4 bytes at array[0]; the clock advances by time_delta
 *     type_len 0        data length in array[0] (minus the 4 bytes of array[0] itself), data at array[1]
 *     padding           time_delta 0: the rest of the page is empty; otherwise a discarded record of
 *                       4 + array[0] bytes. Padding never moves the clock (rb_update_read_stamp()).
 *     time extend       the clock advances by (array[0] << 27) + time_delta; 8 bytes
 *     time stamp        an absolute clock value (array[0] << 27) + time_delta, 59 bits: the top bits come
 *                       from the current stamp (rb_fix_abs_ts()); 8 bytes
 * The type values come from events/header_event (format.ts). Only records inside the committed length are
 * read, and every length is bounds-checked: a short or garbled page stops its own decoding, nothing else.
 */
import type { RingLayout } from './format';

const COMMIT_LEN_MASK = (1 << 27) - 1;
const MISSED_EVENTS = 0x80000000;
const MISSED_STORED = 0x40000000;
const TWO_27 = 2 ** 27;
const TWO_32 = 2 ** 32;
/** The 5 top bits of a 64-bit clock that an absolute record cannot hold (TS_MSB in ring_buffer.c). */
const TS_MSB_UNIT = 2 ** 59;

export interface PageInfo {
  /** RB_MISSED_EVENTS: the kernel overwrote or dropped events before this page. */
  missed: boolean;
  /** The number lost, when the kernel had room to store it (RB_MISSED_STORED), else null. */
  missedCount: number | null;
  /** Records found (data records only). */
  records: number;
  /** The page did not decode to its committed end (a length out of bounds). */
  malformed: boolean;
}

function u64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * TWO_32;
}

/**
 * Walk one page of `len` bytes, calling `onRecord(tsNs, dataOffset, dataLength)` for each data record in
 * order. Clock values are nanoseconds as doubles: exact below 2^53 ns (104 days of uptime), and within a
 * few ns after that, far below the microseconds whydied uses.
 */
export function decodePage(
  buf: Buffer,
  len: number,
  layout: RingLayout,
  onRecord: (tsNs: number, off: number, size: number) => void,
): PageInfo {
  const { page, event } = layout;
  const info: PageInfo = { missed: false, missedCount: null, records: 0, malformed: false };
  if (len < page.dataOffset) {
    info.malformed = len > 0;
    return info;
  }
  let ts = u64(buf, page.timestampOffset);
  const commitWord = buf.readUInt32LE(page.commitOffset);
  const dataLen = commitWord & COMMIT_LEN_MASK;
  const start = page.dataOffset;
  const end = start + dataLen;
  if (end > len) {
    info.malformed = true;
    return info;
  }
  if (commitWord & MISSED_EVENTS) {
    info.missed = true;
    if (commitWord & MISSED_STORED && end + page.commitSize <= len)
      info.missedCount = page.commitSize >= 8 ? u64(buf, end) : buf.readUInt32LE(end);
  }
  let p = start;
  while (p + 4 <= end) {
    const hdr = buf.readUInt32LE(p);
    const type = hdr & 0x1f;
    const delta = hdr >>> 5;
    if (type === event.padding) {
      if (delta === 0) break; // the rest of the page is padding
      if (p + 8 > end) break;
      const size = 4 + buf.readUInt32LE(p + 4);
      if (size < 8 || p + size > end) {
        info.malformed = true;
        break;
      }
      p += size;
      continue;
    }
    if (type === event.timeExtend || type === event.timeStamp) {
      if (p + 8 > end) {
        info.malformed = true;
        break;
      }
      const value = buf.readUInt32LE(p + 4) * TWO_27 + delta;
      if (type === event.timeExtend) ts += value;
      else ts = value + Math.floor(ts / TS_MSB_UNIT) * TS_MSB_UNIT;
      p += 8;
      continue;
    }
    let dataOff: number;
    let size: number;
    if (type === 0) {
      if (p + 8 > end) {
        info.malformed = true;
        break;
      }
      const arr = buf.readUInt32LE(p + 4);
      dataOff = p + 8;
      size = arr - 4;
      if (arr < 4 || p + 4 + arr > end) {
        info.malformed = true;
        break;
      }
      p += 4 + ((arr + 3) & ~3);
    } else if (type <= event.dataMaxTypeLen) {
      size = type * 4;
      dataOff = p + 4;
      if (dataOff + size > end) {
        info.malformed = true;
        break;
      }
      p = dataOff + size;
    } else {
      info.malformed = true;
      break;
    }
    ts += delta;
    info.records++;
    onRecord(ts, dataOff, size);
  }
  return info;
}
