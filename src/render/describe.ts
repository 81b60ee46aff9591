/**
 * Text shared by the table and markdown renderers. Every string that can come from the process
 * (comm, argv, exe, cwd, summaries, details, reasons, commands) goes through escapeControl here or
 * in the renderer; nothing from a report reaches the terminal raw.
 */
import type { Cause, Report, ReportProcess } from '../engine/types';
import { escapeControl } from '../util/escape';
import { humanTime } from './time';
import { causeParts } from '../engine/describe-cause';

/** argv for display: escaped, and arguments that would read ambiguously wrapped in single quotes. */
function displayArgv(argv: readonly string[]): string {
  return argv
    .map((a) => {
      const e = escapeControl(a);
      return e === '' || /[\s'"\\$`]/.test(e) ? `'${e.replace(/'/g, `'\\''`)}'` : e;
    })
    .join(' ');
}

export function targetLine(r: Report): string {
  const q = escapeControl(r.target.query);
  return r.target.pid !== null && String(r.target.pid) !== r.target.query ? `${q} (pid ${r.target.pid})` : q;
}

export function processLines(p: ReportProcess): string[] {
  const argv = p.argv === null ? '(argv unreadable)' : p.argv.length === 0 ? '(no argv)' : displayArgv(p.argv);
  return [
    `pid ${p.pid} · ${escapeControl(p.comm)} · ${argv}`,
    `ppid ${p.ppid} · pgid ${p.pgid} · sid ${p.sid} · tty ${p.tty === null ? 'none' : escapeControl(p.tty)} · ` +
      `uid ${p.uid ?? '?'} · state ${escapeControl(p.state)} · started ${p.startTime}`,
    ...(p.exe !== null ? [`exe ${escapeControl(p.exe)}`] : []),
    ...(p.cwd !== null ? [`cwd ${escapeControl(p.cwd)}`] : []),
  ];
}

/** Where a cause came from, named the way the user would run or read it (one name per tool). */
function sourceWords(c: Cause): string {
  switch (c.source) {
    case 'watch':
      return 'whydied watch';
    case 'record': {
      // The record check notes which whydied tool wrote it; the recorder's own causes say 'record'.
      const by = c.details?.recordedBy;
      return by === 'watch' ? 'whydied watch' : by === 'launch' ? 'whydied launch' : 'whydied record';
    }
    case 'kernel-log':
      return 'the kernel log';
    case 'journal':
      return 'the journal';
    case 'systemd':
      return 'systemd (systemctl show)';
    case 'plugin':
      return 'a plugin check';
  }
}

/** The confidence, with what it rests on (src/engine/confidence.ts decides it). */
function confidenceWords(c: Cause): string {
  const fromRecord = c.source === 'record' || c.source === 'watch';
  switch (c.confidence) {
    case 'confirmed':
      return 'confirmed';
    case 'likely':
      return fromRecord ? 'likely: same pid on this boot, start time not known' : 'likely: pid, name and time agree';
    case 'possible':
      return fromRecord ? 'possible' : 'possible: matched on the pid alone';
    default:
      return '';
  }
}

/** What killed it, by whom, when, from where, how sure: one line. `now` makes times relative. */
export function causeLine(c: Cause, now?: string, opts: { time?: boolean; from?: boolean } = {}): string {
  const parts = causeParts(c).map(escapeControl);
  // A saved log's stamp as it wrote it (kernel-log check): never moved to this machine's zone or clock.
  const logTime = typeof c.details?.logTime === 'string' ? c.details.logTime : null;
  if (logTime !== null && opts.time !== false)
    parts.push(`at ${escapeControl(logTime)}${/^\d\d-/.test(logTime) ? ' (no year in the log)' : ''}`);
  else if (c.time && opts.time !== false) parts.push(`at ${now ? humanTime(c.time, now) : escapeControl(c.time)}`);
  parts.push(opts.from === false ? sourceWords(c) : `from ${sourceWords(c)}`);
  if (c.confidence) parts.push(confidenceWords(c));
  return parts.join(' · ');
}

export const asList = (r: Report | Report[]): Report[] => (Array.isArray(r) ? r : [r]);
