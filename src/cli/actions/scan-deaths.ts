/** The work behind `whydied scan --deaths FILE|-`: deaths many hosts published, summarized (src/scan/fleet-deaths.ts). */
import { UsageError } from '../../util/errors';
import { escapeControl } from '../../util/escape';
import { outputWidth } from '../options';
import { writeStdout } from '../stdout';

export async function runFleetScan(req: {
  deaths?: string;
  since?: string;
  json?: boolean;
  host?: string;
  service?: string;
  kmsg?: string;
  journal?: string;
}): Promise<number> {
  if (req.deaths === undefined) throw new UsageError('--host and --service go with --deaths FILE');
  if (req.kmsg !== undefined || req.journal !== undefined)
    throw new UsageError(
      '--deaths reads deaths from many hosts; --kmsg and --journal read one host: give one or the other',
    );
  const { readDeathInput, parseDeathLines, DeathInputError } = await import('../../fleet/death-lines');
  const { summarizeFleetDeaths } = await import('../../scan/fleet-deaths');
  const { parseSince } = await import('../../scan/scan');
  const now = Date.now();
  const sinceMs = req.since === undefined ? null : parseSince(req.since, now);
  if (req.since !== undefined && sinceMs === null)
    throw new UsageError(`--since '${escapeControl(req.since)}': give 90s, 30m, 1h, 7d or a date`);
  let parsed;
  try {
    parsed = parseDeathLines(await readDeathInput(req.deaths));
  } catch (e) {
    if (e instanceof DeathInputError) throw new UsageError(escapeControl(e.message));
    throw e;
  }
  const result = summarizeFleetDeaths(parsed.deaths, {
    nowMs: now,
    sinceMs,
    host: req.host ?? null,
    service: req.service ?? null,
    duplicates: parsed.duplicates,
  });
  if (req.json) {
    writeStdout(JSON.stringify(result, null, 2) + '\n');
    return 0;
  }
  const { renderFleetDeaths } = await import('../../scan/fleet-render');
  writeStdout(renderFleetDeaths(result, outputWidth(process.stdout, process.env)));
  return 0;
}
