/** The work behind `whydied explain`. */
import { UsageError } from '../../util/errors';
import { escapeControl } from '../../util/escape';
import { hanging, wrapText } from '../../render/wrap';
import { outputWidth } from '../options';

export function runExplain(req: { value: string; json: boolean }): number {
  if (req.value.trim() === '')
    throw new UsageError('explain needs a value: whydied explain 137 | SIGKILL | 0x4000 (or -- -9)');
  const { explain, ExplainError } = require('../../explain/explain') as typeof import('../../explain/explain');
  let e;
  try {
    e = explain(req.value);
  } catch (err) {
    if (err instanceof ExplainError) throw new UsageError(escapeControl(err.message));
    throw err;
  }
  if (req.json) {
    process.stdout.write(JSON.stringify(e, null, 2) + '\n');
    return 0;
  }
  const width = outputWidth(process.stdout, process.env);
  const out = [...hanging('', 0, e.title, width), ''];
  for (const l of e.lines) {
    const lead = /^ *(- )?/.exec(l)?.[0] ?? '';
    // A bullet's text hangs under its first word; an indented line's continuation goes two deeper.
    const cont = lead.includes('-') ? lead.length : lead.length > 0 ? lead.length + 2 : 0;
    wrapText(l.slice(lead.length), width - cont).forEach((w, i) =>
      out.push(`${i === 0 ? lead : ' '.repeat(cont)}${w}`),
    );
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
