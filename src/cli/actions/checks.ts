/** The work behind `whydied checks`. */
import { orderChecks } from '../../engine/order';
import { escapeControl } from '../../util/escape';
import { EXIT } from '../../engine/exit-code';
import { loadChecks } from './load';

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
