/**
 * docs/survival-rules.md from the rule table: the published meaning of every risks[].code. Pure, so a
 * test can hold the committed document to the table (scripts/survival-rules-doc.js rewrites it).
 */
import type { SurvivalRule } from '../engine/survival/types';
import { eventInfo } from '../engine/events';

export function rulesMarkdown(
  events: readonly string[],
  rules: readonly SurvivalRule[],
  kernelThreadCode: string,
): string {
  const out: string[] = [
    '# Survival rules',
    '',
    'Generated from `src/engine/survival/` by `node scripts/survival-rules-doc.js`; a test keeps it in step.',
    'Each row of the survival matrix is decided by the first rule of its event that applies; its code is',
    '`risks[].code` in the JSON report (`whydied.report/2`). Every code is checked by a scenario in',
    '`test/reality/` that makes the event happen for real.',
    '',
    'Confidence: **certain** — a kernel mechanism visible in /proc decides; **likely** — it rests on how the',
    'launcher or the program usually behaves; **possible** — undecided from what /proc shows.',
    '',
  ];
  for (const event of events) {
    out.push(
      `## ${event} — ${eventInfo(event)?.title ?? event}`,
      '',
      '| code | outcome | confidence | when |',
      '|---|---|---|---|',
    );
    for (const r of rules.filter((x) => x.event === event))
      out.push(`| \`${r.code}\` | ${r.outcome} | ${r.confidence} | ${r.meaning.replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  out.push(
    `Kernel threads get \`${kernelThreadCode}\` (survives, certain) on every row: no terminal, session, user signal, container or OOM kill applies.`,
    '',
  );
  return out.join('\n');
}
