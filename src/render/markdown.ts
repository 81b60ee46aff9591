/**
 * Markdown for pasting into issues and chats: headings, tables, and remedy commands in ```sh blocks.
 * Process data is escaped twice over: control characters (escapeControl) and markdown syntax, so a
 * process named `|<img>` cannot break a table or inject markup.
 */
import type { Report } from '../engine/types';
import type { RenderOptions, Renderer } from './types';
import { escapeControl } from '../util/escape';
import { asList, causeLine, processLines, targetLine } from './describe';
import { humanizeTimes } from './time';

/** For text that was already control-escaped. */
const mdSyntax = (s: string): string => s.replace(/[\\`*_[\]<>|#]/g, '\\$&');
const md = (s: string): string => mdSyntax(escapeControl(s));

function fence(body: string): string {
  // A fence longer than any backtick run inside cannot be closed early by the content.
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return `${f}sh\n${body}\n${f}`;
}

function renderOne(r: Report, opts: RenderOptions): string {
  const out: string[] = [];
  out.push(`## whydied: ${mdSyntax(targetLine(r))}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| State | ${r.state} |`);
  // Times as people read them (local, to the second, how long ago), like the table.
  const when = (s: string): string => humanizeTimes(s, r.generatedAt);
  if (r.process)
    out.push(
      `| Process | ${processLines(r.process)
        .map((l) => mdSyntax(when(l)))
        .join('<br>')} |`,
    );
  out.push(`| Verdict | **${r.verdict.status}** — ${when(md(r.verdict.summary))} |`);
  if (r.verdict.cause) out.push(`| Cause | ${mdSyntax(causeLine(r.verdict.cause, r.generatedAt))} |`);

  if (r.risks.length > 0) {
    out.push('', '### Survival', '', '| Event | Outcome | Reason |', '|---|---|---|');
    for (const k of r.risks) out.push(`| ${k.event} | ${k.outcome} | ${md(k.reason)} |`);
  }
  if (r.checks.length > 0) {
    out.push('', '### Checks', '', '| Status | Check | Summary |', '|---|---|---|');
    for (const f of r.checks) {
      const details = opts.verbose ? f.details.map((d) => `<br>${md(d)}`).join('') : '';
      out.push(`| ${f.status} | ${md(f.id)} | ${md(f.summary)}${details} |`);
    }
  }
  if (r.remedy.length > 0) {
    out.push('', '### To make it survive', '', fence(r.remedy.map(escapeControl).join('\n')));
  }
  return out.join('\n');
}

export const renderMarkdown: Renderer = (report, opts) =>
  asList(report)
    .map((r) => renderOne(r, opts))
    .join('\n\n---\n\n') + '\n';
