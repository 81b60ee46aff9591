/**
 * The layouts tracefs describes in text, read once at start so nothing about the binary trace is hard-coded:
 *  - `events/<group>/<event>/format`: the event's id and each field's offset, size and signedness
 *    (kernel/trace/trace_events.c f_show prints `field:<type> <name>;\toffset:N;\tsize:N;\tsigned:N;`);
 *  - `events/header_page`: the ring-buffer page header (timestamp, commit, data), printed by
 *    ring_buffer_print_page_header() in kernel/trace/ring_buffer.c;
 *  - `events/header_event`: the record header's type values (padding, time extend, time stamp, the largest
 *    data type_len), printed by ring_buffer_print_entry_header().
 * Pure parsers plus the reads; the decoding of pages is in ring-page.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface FieldLayout {
  name: string;
  /** The C type as tracefs prints it (`pid_t`, `char[16]` is `char comm[16]` -> type `char`, array 16). */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** `__data_loc` (offset from the record start) or `__rel_loc` (offset from the end of the field). */
  loc: 'data' | 'rel' | null;
  /** Element count of a fixed array (`char comm[16]`), else null. */
  arrayLen: number | null;
}

export interface EventFormat {
  name: string;
  id: number;
  fields: Map<string, FieldLayout>;
}

export class TraceFormatError extends Error {}

const FIELD_LINE = /^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/;

function parseField(decl: string, offset: number, size: number, signed: boolean): FieldLayout | null {
  let d = decl.trim();
  let loc: FieldLayout['loc'] = null;
  if (d.startsWith('__data_loc ')) {
    loc = 'data';
    d = d.slice(11);
  } else if (d.startsWith('__rel_loc ')) {
    loc = 'rel';
    d = d.slice(10);
  }
  // `char comm[16]`, `char[] filename` (data_loc), `unsigned long total_vm`, `pid_t pid`.
  const m = /^(.*?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(\d*)\])?$/.exec(d);
  if (!m) return null;
  const type = m[1].trim();
  const arrayLen = m[3] ? Number(m[3]) : null;
  return { name: m[2], type, offset, size, signed, loc, arrayLen };
}

/** Parse one event's `format` file. */
export function parseEventFormat(text: string): EventFormat {
  const name = /^name: (\S+)/m.exec(text)?.[1];
  const id = /^ID: (\d+)/m.exec(text)?.[1];
  if (!name || id === undefined) throw new TraceFormatError('format file without name or ID');
  const fields = new Map<string, FieldLayout>();
  for (const line of text.split('\n')) {
    const m = FIELD_LINE.exec(line);
    if (!m) continue;
    const f = parseField(m[1], Number(m[2]), Number(m[3]), m[4] === '1');
    if (f) fields.set(f.name, f);
  }
  return { name, id: Number(id), fields };
}

export interface PageHeader {
  timestampOffset: number;
  timestampSize: number;
  commitOffset: number;
  commitSize: number;
  dataOffset: number;
  /** Data bytes of a page as header_page states it (the kernel's default sub-buffer). */
  dataSize: number;
}

/** Parse `events/header_page` (fields `timestamp`, `commit`, `data`; `overwrite` shares commit's bytes). */
export function parsePageHeader(text: string): PageHeader {
  const fields = new Map<string, { offset: number; size: number }>();
  for (const line of text.split('\n')) {
    const m = /^\s*field:\s*(.+?);\s*offset:(\d+);\s*size:(\d+);/.exec(line);
    if (!m) continue;
    const name = /([A-Za-z_]+)$/.exec(m[1].trim())?.[1];
    if (name) fields.set(name, { offset: Number(m[2]), size: Number(m[3]) });
  }
  const ts = fields.get('timestamp');
  const commit = fields.get('commit');
  const data = fields.get('data');
  if (!ts || !commit || !data) throw new TraceFormatError('header_page lacks timestamp, commit or data');
  return {
    timestampOffset: ts.offset,
    timestampSize: ts.size,
    commitOffset: commit.offset,
    commitSize: commit.size,
    dataOffset: data.offset,
    dataSize: data.size,
  };
}

export interface EventHeader {
  padding: number;
  timeExtend: number;
  timeStamp: number;
  dataMaxTypeLen: number;
  typeLenBits: number;
  timeDeltaBits: number;
}

/** Parse `events/header_event` (`type_len : 5 bits`, `padding : type == 29`, ...). */
export function parseEventHeader(text: string): EventHeader {
  const num = (re: RegExp): number => {
    const m = re.exec(text);
    if (!m) throw new TraceFormatError(`header_event lacks ${re.source}`);
    return Number(m[1]);
  };
  return {
    typeLenBits: num(/type_len\s*:\s*(\d+) bits/),
    timeDeltaBits: num(/time_delta\s*:\s*(\d+) bits/),
    padding: num(/padding\s*:\s*type == (\d+)/),
    timeExtend: num(/time_extend\s*:\s*type == (\d+)/),
    timeStamp: num(/time_stamp\s*:\s*type == (\d+)/),
    dataMaxTypeLen: num(/data max type_len\s*==\s*(\d+)/),
  };
}

export interface RingLayout {
  page: PageHeader;
  event: EventHeader;
  /** Bytes one read of trace_pipe_raw returns: one whole sub-buffer (page header included). */
  pageSize: number;
}

/**
 * The ring-buffer layout of an instance: the headers from the tracefs root, the sub-buffer size from the
 * instance (`buffer_subbuf_size_kb`, 6.8+; older kernels use the page header's own data size).
 */
export function readRingLayout(root: string, instanceDir: string): RingLayout {
  const page = parsePageHeader(fs.readFileSync(path.join(root, 'events', 'header_page'), 'utf8'));
  const event = parseEventHeader(fs.readFileSync(path.join(root, 'events', 'header_event'), 'utf8'));
  // The record header is a C bitfield: type_len is the low 5 bits only on a little-endian machine.
  if (os.endianness() !== 'LE') throw new TraceFormatError('binary trace records are read on little-endian hosts only');
  if (event.typeLenBits !== 5 || event.timeDeltaBits !== 27)
    throw new TraceFormatError(`unexpected record header (${event.typeLenBits}/${event.timeDeltaBits} bits)`);
  let pageSize = page.dataOffset + page.dataSize;
  try {
    const kb = Number(fs.readFileSync(path.join(instanceDir, 'buffer_subbuf_size_kb'), 'utf8').trim());
    if (Number.isInteger(kb) && kb > 0) pageSize = kb * 1024;
  } catch {
    /* before 6.8: one page per sub-buffer */
  }
  return { page, event, pageSize };
}

/** An event's format as the instance has it (`group/name`). */
export function readEventFormat(instanceDir: string, event: string): EventFormat {
  return parseEventFormat(fs.readFileSync(path.join(instanceDir, 'events', event, 'format'), 'utf8'));
}
