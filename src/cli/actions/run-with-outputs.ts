/** `whydied run` with its outputs: the records store always, plus the fleet outputs and hook asked for. */
import { runRun } from '../../run/run-cmd';
import { saveRecord } from '../../source/records/store';
import { ensureStateDir } from '../../source/records/state-dir';
import { UnsafePathError } from '../../source/safe-write';
import { escapeControl } from '../../util/escape';
import type { DeathRecord } from '../../source/records/types';
import { openSinks, parseOutputs } from '../../fleet/outputs';

export interface RunOutputsRequest {
  argv: string[];
  output?: string;
  onDeath?: string;
}

export async function runWithOutputs(req: RunOutputsRequest): Promise<number> {
  const output = parseOutputs(req.output ?? 'store');
  // The state dir is checked before CMD starts and before anything in it changes: an unsafe one (shared,
  // another user's, reached through their link) is refused (exit 2); one that merely cannot be made (no
  // writable home, a read-only disk) only means no record, said once: CMD still runs.
  let store: ((rec: DeathRecord) => void) | null = (rec) => saveRecord(rec);
  if (output.store) {
    try {
      ensureStateDir();
    } catch (e) {
      if (!(e instanceof UnsafePathError && e.unavailable)) throw e;
      process.stderr.write(`whydied: a failure will not be recorded: ${escapeControl(e.message)}\n`);
      store = null;
    }
  }
  // Validated before CMD starts: a typo costs nothing. jsonl goes to stderr here: stdout is CMD's.
  const sinks = await openSinks({
    output,
    onDeath: req.onDeath,
    jsonlStream: process.stderr,
    defaultStore: store ?? undefined,
  });
  try {
    // CMD runs to its end; its death, if it did not succeed, takes the path of src/fleet/death-pipeline.ts.
    const { status, death } = await runRun({ argv: req.argv });
    if (death) {
      try {
        sinks.death(death);
      } catch (e) {
        // Recording is never fatal: CMD's status is what `run` exits with.
        process.stderr.write(`whydied run: could not record it: ${escapeControl((e as Error).message)}\n`);
      }
    }
    return status;
  } finally {
    await sinks.close();
  }
}
