/** The work behind `whydied scan`. */
import { UsageError } from '../../util/errors';
import { escapeControl, safeJson } from '../../util/escape';
import { outputWidth, useColor } from '../options';
import { loadFacts, type SavedLogFiles } from '../../api/load';

export async function runScan(req: {
  since?: string;
  json: boolean;
  color?: boolean;
  saved: SavedLogFiles;
}): Promise<number> {
  const { scanDeaths, parseSince } = await import('../../scan/scan');
  const facts = await loadFacts(undefined, req.saved);
  const now = facts.raw.now();
  const sinceMs = req.since === undefined ? null : parseSince(req.since, now);
  if (req.since !== undefined && sinceMs === null)
    throw new UsageError(`--since '${escapeControl(req.since)}': give 90s, 30m, 1h, 7d or a date`);
  const result = scanDeaths(facts, sinceMs);
  const out = process.stdout;
  if (req.json) {
    const deaths = result.entries.map((e) => ({
      ...e,
      time: e.timeMs === null ? null : new Date(e.timeMs).toISOString(),
    }));
    out.write(
      safeJson(
        {
          schema: 'whydied.scan/1',
          generatedAt: new Date(now).toISOString(),
          deaths,
          dropped: result.dropped.map((d) => ({
            count: d.count,
            from: d.fromMs === null ? null : new Date(d.fromMs).toISOString(),
            to: d.toMs === null ? null : new Date(d.toMs).toISOString(),
            printer: d.printer,
          })),
          unreadable: result.unreadable,
          notUnderstood: result.notUnderstood,
          machineDeaths: result.machineDeaths.map((m) => ({
            time: m.timeMs === null ? null : new Date(m.timeMs).toISOString(),
            what: m.what,
            reason: m.reason,
            oops: m.oops,
          })),
        },
        2,
      ) + '\n',
    );
    return 0;
  }
  const { renderScan } = await import('../../scan/render');
  out.write(
    renderScan(result, {
      nowIso: new Date(now).toISOString(),
      width: outputWidth(out, process.env),
      color: useColor(req.color, out, process.env),
      since: req.since ?? null,
      saved: facts.raw.savedLog !== undefined,
    }),
  );
  return 0;
}
