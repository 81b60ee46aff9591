/** `whydied scan` output: one line per death, newest first, wrapped like the report. Pure. */
import { escapeControl } from '../util/escape';
import { paint } from '../render/ansi';
import { hanging, wrapText } from '../render/wrap';
import { humanTime } from '../render/time';
import type { ScanEntry, ScanResult } from './scan';

const SOURCE_WORDS: Record<string, string> = {
  'kernel-log': 'kernel log',
  journal: 'journal',
  systemd: 'systemd',
  record: 'whydied record',
  watch: 'whydied watch',
  plugin: 'plugin',
};

/** A saved log's stamp as written (never moved to this machine's zone); else this host's time; else uptime. */
function whenText(e: ScanEntry, nowIso: string): string {
  if (e.logTime !== undefined) return e.logTime.length <= 14 ? `${e.logTime} (no year in the log)` : e.logTime;
  if (e.timeMs !== null) return humanTime(new Date(e.timeMs).toISOString(), nowIso);
  if (e.uptimeSec !== undefined) return `${e.uptimeSec >= 100 ? Math.round(e.uptimeSec) : e.uptimeSec} s after boot`;
  return 'time unknown';
}

function line(e: ScanEntry, nowIso: string, width: number | undefined, color: boolean): string {
  const when = whenText(e, nowIso);
  const who = `${escapeControl(e.name)}${e.pid !== null ? ` (pid ${e.pid})` : ''}`;
  const also = e.alsoIn.length > 0 ? `, also ${e.alsoIn.map((s) => SOURCE_WORDS[s]).join(', ')}` : '';
  const conf = paint(
    e.confidence,
    e.confidence === 'confirmed' ? 'green' : e.confidence === 'likely' ? 'yellow' : 'gray',
    color,
  );
  const body = `${when} · ${who} · ${escapeControl(e.what)} · ${e.by ?? SOURCE_WORDS[e.source]}${also} · ${conf}`;
  // Continuation lines indented deeper than the first, so each death starts visibly.
  return wrapText(body, width === undefined ? undefined : width - 4)
    .map((l, i) => `${i === 0 ? '  ' : '    '}${l}`)
    .join('\n');
}

export function renderScan(
  r: ScanResult,
  opts: { nowIso: string; width?: number; color: boolean; since: string | null; saved?: boolean },
): string {
  const head = `${r.entries.length === 0 ? 'No' : r.entries.length} death${r.entries.length === 1 ? '' : 's'} ${opts.saved ? 'in the saved logs' : 'known on this host'}${opts.since ? ` in the last ${opts.since}` : ''} (newest first; cause · source · confidence):`;
  const out = [
    ...hanging('', 0, head, opts.width),
    ...r.entries.map((e) => line(e, opts.nowIso, opts.width, opts.color)),
  ];
  for (const d of r.dropped) {
    // A saved log's stamps as written; this host's relative times otherwise.
    const at = (ms: number | null, text: string | undefined): string | null =>
      text !== undefined ? text : ms === null ? null : humanTime(new Date(ms).toISOString(), opts.nowIso);
    const fromAt = at(d.fromMs, d.fromText);
    const to = at(d.toMs, d.toText) ?? 'a time the log does not give';
    const span = fromAt === null ? `before ${to}` : `between ${fromAt} and ${to}`;
    out.push(
      '',
      ...hanging(
        'dropped: ',
        9,
        `the kernel dropped ${d.count} crash report${d.count === 1 ? '' : 's'} ${span} (rate limit: 10 lines per 5 s); deaths in that window may be missing above (whydied record keeps them)`,
        opts.width,
      ),
    );
  }
  for (const m of r.machineDeaths) out.push('', ...hanging('machine died: ', 14, escapeControl(m.what), opts.width));
  if (r.notUnderstood.count > 0) {
    const n = r.notUnderstood.count;
    out.push(
      '',
      ...hanging(
        'not understood: ',
        16,
        `${n} line${n === 1 ? '' : 's'} not understood (they look like death reports no parser could read; deaths in them are missing above), first: ${escapeControl(r.notUnderstood.examples[0] ?? '')}`,
        opts.width,
      ),
    );
  }
  if (r.unreadable.length > 0)
    out.push('', ...r.unreadable.flatMap((u) => hanging('not read: ', 10, escapeControl(u), opts.width)));
  if (r.entries.length > 0)
    out.push(
      '',
      ...hanging(
        '',
        0,
        'Details of one: whydied PID (with the same --kmsg/--journal when the logs are saved).',
        opts.width,
      ),
    );
  return out.join('\n') + '\n';
}
