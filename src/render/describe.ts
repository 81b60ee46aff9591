/**
 * Text shared by the table and markdown renderers. Every string that can come from the process
 * (comm, argv, exe, cwd, summaries, details, reasons, commands) goes through escapeControl here or
 * in the renderer; nothing from a report reaches the terminal raw.
 */
import type { Cause, Report, ReportProcess } from '../engine/types';
import { escapeControl } from './escape';

/** argv for display: escaped, and arguments that would read ambiguously wrapped in single quotes. */
export function displayArgv(argv: readonly string[]): string {
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

export function causeLine(c: Cause): string {
  const parts: string[] = [c.kind];
  if (c.signal) parts.push(escapeControl(c.signal));
  if (c.exitCode !== undefined) parts.push(`exit code ${c.exitCode}`);
  if (c.sender) parts.push(`sent by ${c.sender.pid} (${escapeControl(c.sender.comm)}${c.sender.uid !== undefined ? `, uid ${c.sender.uid}` : ''})`);
  if (c.time) parts.push(`at ${escapeControl(c.time)}`);
  parts.push(`[${c.source}]`);
  return parts.join(' · ');
}

export const asList = (r: Report | Report[]): Report[] => (Array.isArray(r) ? r : [r]);
