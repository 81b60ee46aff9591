/**
 * docs/mechanisms.md from the mechanism catalogue (src/engine/mechanisms): every way a process is ended by
 * something else, with its sources, what /proc and tracefs show, the rules, the watch mechanism, the
 * remedy and the scenarios. Pure, so a test can hold the committed document to the catalogue
 * (scripts/mechanisms-doc.js rewrites it); `whydied checks --mechanisms` prints it.
 */
import type { Mechanism } from '../engine/mechanisms/types';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The tools table in brief: which tools whydied recognises, per catalogue family. */
export interface ToolRow {
  family: string;
  names: readonly string[];
  label: string;
}

export function mechanismsMarkdown(mechanisms: readonly Mechanism[], tools: readonly ToolRow[]): string {
  const out: string[] = [
    '# Mechanisms: every way a process is ended by something else',
    '',
    'Generated from `src/engine/mechanisms/` by `node scripts/mechanisms-doc.js` (`whydied checks --mechanisms`);',
    'a test keeps it in step, holds every survival rule and watch mechanism to an entry, and every entry to',
    'a reality scenario that makes it happen (`test/reality/`, `test/systemd/`).',
    '',
    '| id | what ends the process | rules | watch names it |',
    '|---|---|---|---|',
  ];
  for (const m of mechanisms)
    out.push(
      `| [\`${m.id}\`](#${m.id.replace(/\./g, '')}) | ${cell(m.title)} | ${m.rules.map((r) => `\`${r}\``).join(', ')} | ${m.watch ? `\`${m.watch}\`` : '—'} |`,
    );
  out.push('');
  if (tools.length > 0) {
    out.push('## Tools whydied recognises', '', '| family | tools |', '|---|---|');
    const families = [...new Set(tools.map((t) => t.family))];
    for (const f of families)
      out.push(
        `| ${f} | ${tools
          .filter((t) => t.family === f)
          .map((t) => `${t.label} (${t.names.map((n) => `\`${n}\``).join(', ')})`)
          .join('; ')} |`,
      );
    out.push('');
  }
  for (const m of mechanisms) {
    out.push(`## ${m.id}`, '', `**${cell(m.title)}**`, '');
    out.push('- Sources:', ...m.sources.map((s) => `  - ${s}`));
    out.push(`- /proc shows before: ${m.procShows}`);
    out.push(`- tracefs shows at the moment: ${m.traceShows}`);
    out.push(`- Rules: ${m.rules.map((r) => `\`${r}\``).join(', ')}`);
    out.push(`- Watch names it: ${m.watch ? `\`${m.watch}\`` : 'nothing (no signal is sent)'}`);
    out.push(`- Remedy: ${m.remedy}`);
    out.push('- Scenarios:', ...m.scenarios.map((s) => `  - ${s}`), '');
  }
  return out.join('\n');
}
