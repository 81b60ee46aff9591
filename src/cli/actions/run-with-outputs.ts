/** `whydied run` with its outputs: the records store always, plus the fleet outputs and hook asked for. */
import { runRun } from '../../run/run-cmd';
import { saveRecord } from '../../source/records/store';
import { openSinks } from '../../fleet/outputs';

export interface RunOutputsRequest {
  argv: string[];
  output?: string;
  onDeath?: string;
}

export async function runWithOutputs(req: RunOutputsRequest): Promise<number> {
  // Validated before CMD starts: a typo costs nothing. jsonl goes to stderr here: stdout is CMD's.
  const sinks = await openSinks({
    output: req.output ?? 'store',
    onDeath: req.onDeath,
    jsonlStream: process.stderr,
    defaultStore: saveRecord,
  });
  try {
    return await runRun({ argv: req.argv, onRecord: (rec) => sinks.death(rec) });
  } finally {
    await sinks.close();
  }
}
