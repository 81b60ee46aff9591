/** The work behind `whydied <target>`: facts, checks, diagnosis, rendering, exit code. */
import { diagnose } from '../../engine/diagnose';
import { deadTargetFinders } from '../../engine/dead-targets';
import { exitCodeForAll } from '../../engine/exit-code';
import { rendererFor } from '../../render';
import { outputWidth, pickFormat, useColor } from '../options';
import { loadChecks, loadFacts, type SavedLogFiles } from './load';

export interface DiagnoseRequest {
  target: string;
  json?: boolean;
  format?: string;
  color?: boolean;
  only?: string[];
  skip?: string[];
  checkModules: string[];
  from?: string;
  all?: boolean;
  saved?: SavedLogFiles;
  verbose: boolean;
}

export async function runDiagnose(req: DiagnoseRequest): Promise<number> {
  // Validate cheap inputs before reading anything.
  const format = pickFormat(req.json, req.format);
  const checks = await loadChecks(req.checkModules);
  const facts = await loadFacts(req.from, req.saved);
  const reports = await diagnose({
    query: req.target,
    facts,
    checks,
    only: req.only,
    skip: req.skip,
    verbose: req.verbose,
    deadTargets: deadTargetFinders,
  });
  const out = process.stdout;
  const text = rendererFor(format)(reports, {
    color: format === 'table' && useColor(req.color, out, process.env),
    verbose: req.verbose,
    all: req.all === true,
    width: outputWidth(out, process.env),
  });
  out.write(text);
  return exitCodeForAll(reports);
}
