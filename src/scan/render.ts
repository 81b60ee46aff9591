/** `whydied scan` output: one line per death, newest first, wrapped like the report. Pure. */
import { escapeControl } from '../util/escape';
import { paint } from '../render/ansi';
import { hanging, wrapText } from '../render/wrap';
import { humanTime } from '../render/time';
import type { ScanEntry, ScanResult } from './scan';

const SOURCE_WORDS: Record<string, string> = { 'kernel-log': 'kernel log', journal: 'journal', record: 'whydied record', watch: 'whydied watch', plugin: 'plugin' };

function line(e: ScanEntry, nowIso: string, width: number | undefined, color: boolean): string {
  const when = e.timeMs === null ? 'time unknown' : humanTime(new Date(e.timeMs).toISOString(), nowIso);
  const who = `${escapeControl(e.name)}${e.pid !== null ? ` (pid ${e.pid})` : ''}`;
  const also = e.alsoIn.length > 0 ? `, also ${e.alsoIn.map((s) => SOURCE_WORDS[s]).join(', ')}` : '';
  const conf = paint(e.confidence, e.confidence === 'confirmed' ? 'green' : e.confidence === 'likely' ? 'yellow' : 'gray', color);
  const body = `${when} · ${who} · ${escapeControl(e.what)} · ${e.by ?? SOURCE_WORDS[e.source]}${also} · ${conf}`;
  // Continuation lines indented deeper than the first, so each death starts visibly.
  return wrapText(body, width === undefined ? undefined : width - 4)
    .map((l, i) => `${i === 0 ? '  ' : '    '}${l}`)
    .join('\n');
}

export function renderScan(r: ScanResult, opts: { nowIso: string; width?: number; color: boolean; since: string | null; saved?: boolean }): string {
  const head = `${r.entries.length === 0 ? 'No' : r.entries.length} death${r.entries.length === 1 ? '' : 's'} ${opts.saved ? 'in the saved logs' : 'known on this host'}${opts.since ? ` in the last ${opts.since}` : ''} (newest first; cause · source · confidence):`;
  const out = [...hanging('', 0, head, opts.width), ...r.entries.map((e) => line(e, opts.nowIso, opts.width, opts.color))];
  if (r.unreadable.length > 0) out.push('', ...r.unreadable.flatMap((u) => hanging('not read: ', 10, escapeControl(u), opts.width)));
  if (r.entries.length > 0) out.push('', ...hanging('', 0, 'Details of one: whydied PID (with the same --kmsg/--journal when the logs are saved).', opts.width));
  return out.join('\n') + '\n';
}
