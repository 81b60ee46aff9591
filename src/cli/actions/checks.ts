/** The work behind `whydied checks`. */
import { orderChecks } from '../../engine/order';
import { escapeControl } from '../../util/escape';
import { EXIT } from '../../engine/exit-code';
import { loadChecks, loadChecksAndRules } from '../../api/load';

export async function runListChecks(req: { checkModules: string[]; json: boolean }): Promise<number> {
  const ordered = orderChecks(await loadChecks(req.checkModules));
  if (req.json) {
    const metas = ordered.map((c, i) => ({ order: i + 1, ...c.meta }));
    process.stdout.write(`${JSON.stringify(metas, null, 2)}\n`);
    return EXIT.ok;
  }
  const width = Math.max(...ordered.map((c) => c.meta.id.length));
  const lines = ordered.flatMap((c, i) => {
    // Plugin metadata is user-supplied text: escape it like any other untrusted string.
    const head = `${String(i + 1).padStart(2)}  ${escapeControl(c.meta.id).padEnd(width)}  ${escapeControl(c.meta.title)}`;
    const req = c.meta.requires?.length ? ` (requires ${c.meta.requires.map(escapeControl).join(', ')})` : '';
    return [head, `${' '.repeat(width + 6)}${escapeControl(c.meta.description)}${req}`];
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

/** `whydied checks --rules`: the survival rule table as docs/survival-rules.md shows it, plugin rules first. */
export async function runListRules(req: { checkModules: string[]; json: boolean }): Promise<number> {
  const { rules } = await loadChecksAndRules(req.checkModules);
  const { RISK_EVENTS, SURVIVAL_RULES, KERNEL_THREAD_CODE } = await import('../../engine/survival');
  const all = [...rules, ...SURVIVAL_RULES];
  if (req.json) {
    const list = all.map(({ code, event, outcome, confidence, meaning }) => ({
      code,
      event,
      outcome,
      confidence,
      meaning,
    }));
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT.ok;
  }
  const { rulesMarkdown } = await import('../../render/rules-markdown');
  // Plugin text is user-supplied: escaped like any other untrusted string.
  const escaped = all.map((r) => ({ ...r, code: escapeControl(r.code), meaning: escapeControl(r.meaning) }));
  process.stdout.write(rulesMarkdown(RISK_EVENTS, escaped, KERNEL_THREAD_CODE));
  return EXIT.ok;
}

/** `whydied checks --mechanisms`: the mechanism catalogue as docs/mechanisms.md shows it. */
export async function runListMechanisms(req: { json: boolean }): Promise<number> {
  const { MECHANISMS } = await import('../../engine/mechanisms');
  if (req.json) {
    process.stdout.write(`${JSON.stringify(MECHANISMS, null, 2)}\n`);
    return EXIT.ok;
  }
  const { TOOLS } = await import('../../model/tools');
  const { mechanismsMarkdown } = await import('../../render/mechanisms-markdown');
  process.stdout.write(mechanismsMarkdown(MECHANISMS, TOOLS));
  return EXIT.ok;
}
