/**
 * The default, human renderer: a header block, the survival matrix, the checks, and the commands that
 * make the process survive. cli-table3 colours headers red and borders grey by default, so with colour
 * off its styles are emptied (`style: { head: [], border: [] }`): no escape codes in piped output.
 */
import Table from 'cli-table3';
import type { Report } from '../engine/types';
import type { RenderOptions, Renderer } from './types';
import { escapeControl } from './escape';
import { paint, statusWord } from './ansi';
import { asList, causeLine, processLines, targetLine } from './describe';

function makeTable(head: string[], fixed: number[], opts: RenderOptions): Table.Table {
  // Headers are painted by us (bold); cli-table3's own head colour would add red.
  const style = opts.color ? { head: [], border: ['gray'] } : { head: [], border: [] };
  const base: Table.TableConstructorOptions = { head: head.map((h) => paint(h, 'bold', opts.color)), style };
  if (opts.width !== undefined && opts.width > 40) {
    // Borders take one column per cell plus one; the last column gets what is left, and wraps.
    const rest = Math.max(20, opts.width - fixed.reduce((a, b) => a + b, 0) - (fixed.length + 2));
    return new Table({ ...base, colWidths: [...fixed, rest], wordWrap: true, wrapOnWordBoundary: true });
  }
  return new Table(base);
}

function renderOne(r: Report, opts: RenderOptions): string {
  const label = (s: string): string => paint(s.padEnd(9), 'bold', opts.color);
  const out: string[] = [];
  out.push(`${label('Target')}${targetLine(r)}`);
  out.push(`${label('State')}${statusWord(r.state, opts.color)}`);
  if (r.process) {
    const [first, ...rest] = processLines(r.process);
    out.push(`${label('Process')}${first}`, ...rest.map((l) => `${' '.repeat(9)}${l}`));
  }
  out.push(`${label('Verdict')}${statusWord(r.verdict.status, opts.color)} — ${escapeControl(r.verdict.summary)}`);
  if (r.verdict.cause) out.push(`${label('Cause')}${causeLine(r.verdict.cause)}`);

  if (r.risks.length > 0) {
    const t = makeTable(['event', 'outcome', 'reason'], [19, 10], opts);
    for (const k of r.risks) t.push([k.event, statusWord(k.outcome, opts.color), escapeControl(k.reason)]);
    out.push('', 'Survival', t.toString());
  }

  if (r.checks.length > 0) {
    const verbose = opts.verbose === true;
    const t = makeTable(verbose ? ['status', 'id', 'ms', 'summary'] : ['status', 'id', 'summary'], verbose ? [8, 18, 8] : [8, 18], opts);
    // A gone process skips every live check for the same reason: one line says so instead of eight rows.
    const collapsed = verbose ? [] : r.checks.filter((f) => f.status === 'skip' && f.code === 'requirement-not-met');
    for (const f of r.checks) {
      if (collapsed.includes(f)) continue;
      // Details only in verbose: the default view stays one line per check.
      const summary = [escapeControl(f.summary), ...(verbose ? f.details.map((d) => `  ${escapeControl(d)}`) : [])].join('\n');
      const id = escapeControl(f.id);
      t.push(verbose ? [statusWord(f.status, opts.color), id, f.durationMs.toFixed(1), summary] : [statusWord(f.status, opts.color), id, summary]);
    }
    out.push('', 'Checks', t.toString());
    if (collapsed.length > 0) {
      out.push(`skipped (a check they need did not pass; --verbose lists them): ${collapsed.map((f) => escapeControl(f.id)).join(', ')}`);
    }
  }

  if (r.remedy.length > 0) {
    out.push('', paint('To make it survive:', 'bold', opts.color), ...r.remedy.map((c) => `  ${escapeControl(c)}`));
  }
  return out.join('\n');
}

export const renderTable: Renderer = (report, opts) =>
  asList(report)
    .map((r) => renderOne(r, opts))
    .join('\n\n' + '─'.repeat(40) + '\n\n') + '\n';
