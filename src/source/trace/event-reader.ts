/**
 * The binary reader for consumers of TraceEvent (the watch backend): every event enabled in the instance
 * (its `set_event`, `group:event` per line) decoded with its format, delivered in clock order. The same
 * reader as the recorder's, so no name a process chooses can make or hide an event here either.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TraceEvent } from './parse';
import type { RawReader } from './raw-reader';
import type { TraceInstance } from './tracefs';
import { commonFields, readFormats, traceEventDecoders } from './raw-events';

export function openTraceEvents(
  inst: TraceInstance,
  onEvent: (ev: TraceEvent) => void,
  onLost: (count: number | null) => void = () => undefined,
): RawReader {
  const enabled = fs
    .readFileSync(path.join(inst.dir, 'set_event'), 'utf8')
    .split('\n')
    .map((l) => l.trim().replace(':', '/'))
    .filter((l) => l !== '');
  const formats = readFormats(inst.dir, enabled);
  const first = formats.values().next().value;
  if (!first) throw new Error(`no events enabled in ${inst.name}`);
  return inst.openRaw<TraceEvent>({
    typeOf: commonFields(first).type,
    decoders: traceEventDecoders(formats),
    onEvent,
    onLost: (count) => onLost(count),
  });
}
