/**
 * The work behind `whydied capture`: read everything the checks would read (prefetch, then a real
 * diagnosis on the recording live source) and write what was read as a bundle.
 */
import { safeWriteFile } from '../../source/safe-write';
import { escapeControl } from '../../util/escape';
import { UsageError } from '../../util/errors';
import { createLiveSource } from '../../source/live-source';
import { createFacts } from '../../source/facts';
import { prefetchForCapture } from '../../source/prefetch';
import { serializeBundle } from '../../source/bundle';
import { minimizeBundle } from '../../source/bundle-minimize';
import { QueryError, resolveQuery } from '../../source/resolve-query';
import { EXIT } from '../../engine/exit-code';
import { diagnoseQuery } from '../../api/diagnose';

export interface CaptureRequest {
  pid: string;
  output?: string;
  checkModules: string[];
  verbose: boolean;
}

export async function runCapture(req: CaptureRequest): Promise<number> {
  if (!/^\d+$/.test(req.pid)) throw new UsageError(`capture takes a PID, not '${escapeControl(req.pid)}'`);
  // A bundle must hold the records files themselves, not the key index's answer about them.
  const live = createLiveSource({ recordsIndex: false, record: true });
  const facts = createFacts(live);
  const pid = Number(req.pid);
  try {
    resolveQuery(req.pid, facts); // rejects 0 and pids above pid_max before anything is prefetched
  } catch (e) {
    if (e instanceof QueryError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
  await prefetchForCapture(facts, pid);
  // The diagnosis itself records every file the checks read, so the replay finds each one.
  const reports = await diagnoseQuery(req.pid, { facts, checkModules: req.checkModules, verbose: req.verbose });
  // Only what this target's diagnosis used: its own kernel-log records and records, not the whole logs.
  const proc = facts.process(pid);
  const host = facts.host();
  const bundle = minimizeBundle(
    live.snapshot({ query: req.pid, pid }),
    { pid, names: proc ? [proc.stat.comm] : [] },
    { bootTimeMs: host.bootTime > 0 ? host.bootTime * 1000 : null, currentBootId: host.bootId },
  );
  const text = serializeBundle(bundle);
  const state = reports[0]?.state ?? 'not-found';
  if (req.output === undefined) {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    process.stderr.write(`whydied: captured pid ${pid} (${state}); bundle written to stdout\n`);
  } else {
    // A fresh 0600 file renamed over the target: never through a planted link, never keeping a looser mode.
    safeWriteFile(req.output, text.endsWith('\n') ? text : `${text}\n`, { role: 'bundle' });
    process.stderr.write(`whydied: captured pid ${pid} (${state}) to ${escapeControl(req.output)}\n`);
  }
  return EXIT.ok;
}
