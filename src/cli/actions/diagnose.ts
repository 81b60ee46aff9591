/** The work behind `whydied <target>`: facts, checks, diagnosis, rendering, exit code. */
import { diagnoseQuery } from '../../api/diagnose';
import { exitCodeForAll } from '../../engine/exit-code';
import { escapeControl, rendererFor } from '../../render';
import { outputWidth, pickFormat, useColor } from '../options';
import type { SavedLogFiles } from '../../api/load';
import { stdoutInfo, writeStderr, writeStdout } from '../stdout';

export interface DiagnoseRequest {
  target: string;
  json?: boolean;
  format?: string;
  color?: boolean;
  only?: string[];
  skip?: string[];
  checkModules: string[];
  from?: string;
  /** Every match in full (not only the newest 10, the first in full), and by name every recorded death. */
  all?: boolean;
  saved?: SavedLogFiles;
  verbose: boolean;
}

export async function runDiagnose(req: DiagnoseRequest): Promise<number> {
  // Validate cheap inputs before reading anything.
  const format = pickFormat(req.json, req.format);
  const omitted = { live: 0, dead: 0 };
  const reports = await diagnoseQuery(req.target, {
    checkModules: req.checkModules,
    only: req.only,
    skip: req.skip,
    verbose: req.verbose,
    all: req.all,
    from: req.from,
    saved: req.saved,
    onLiveTargetsOmitted: (n) => {
      omitted.live = n;
      writeStderr(
        `whydied: ${n} more running process${n === 1 ? '' : 'es'} match '${escapeControl(req.target)}', not diagnosed (the newest 10 are; --all diagnoses every one)\n`,
      );
    },
    onDeadTargetsOmitted: (n) => {
      omitted.dead = n;
      writeStderr(
        `whydied: ${n} older recorded death${n === 1 ? '' : 's'} of '${escapeControl(req.target)}' not shown (--all shows every one)\n`,
      );
    },
  });
  const out = stdoutInfo();
  const text = rendererFor(format)(reports, {
    color: format === 'table' && useColor(req.color, out, process.env),
    verbose: req.verbose,
    all: req.all === true,
    width: outputWidth(out, process.env),
    omitted,
  });
  writeStdout(text);
  return exitCodeForAll(reports);
}
