/** The work behind `whydied scan --deaths FILE|-`: deaths many hosts published, summarized (src/scan/fleet-deaths.ts). */
import * as fs from 'fs';
import { UsageError } from '../../util/errors';
import { escapeControl } from '../../util/escape';
import { outputWidth } from '../options';
import { writeStdout } from '../stdout';

/**
 * A FIFO nobody writes would block the open itself (in libuv's thread pool, beyond any timer), and a device
 * never ends: only a regular file, or stdin as a file or pipe (read within readDeathInput's bounds).
 */
function refuseUnboundedInput(file: string): void {
  let st: fs.Stats;
  try {
    st = file === '-' ? fs.fstatSync(0) : fs.statSync(file);
  } catch {
    return; // readDeathInput says why it cannot be read
  }
  if (st.isFile() || (file === '-' && st.isFIFO())) return;
  const kind = st.isFIFO()
    ? 'a FIFO'
    : st.isCharacterDevice()
      ? 'a character device'
      : st.isDirectory()
        ? 'a directory'
        : 'not a regular file';
  throw new UsageError(
    `--deaths ${file === '-' ? 'stdin' : escapeControl(file)} is ${kind}: give a regular file${file === '-' ? '' : ' (or - and a pipe)'}`,
  );
}

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
  refuseUnboundedInput(req.deaths);
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
