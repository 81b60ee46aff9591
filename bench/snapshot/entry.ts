/**
 * The V8 startup snapshot experiment's entry (bench/snapshot.js bundles it with esbuild and runs
 * `node --build-snapshot` on it). A snapshot keeps the heap as it was when the build finished, bytecode
 * included: every module initialised and, after `warm()`, every function a diagnosis runs compiled.
 *
 * `warm()` replays captured bundles (fixtures/scenarios: real runs, recorded) through the path
 * `whydied PID` takes, rendered as table and JSON. It reads those files and nothing of this machine (no
 * /proc, no kernel log, no records); the caches a diagnosis fills are keyed by its facts (WeakMaps) and
 * dropped with them, so the heap holds no state of the build host.
 */
import { diagnoseQuery } from '../../src/api/diagnose';
import { rendererFor } from '../../src/render';
import { parseFast, runFast } from '../../src/cli/fast';
import { releaseDeadTerminalAtExit } from '../../src/cli/terminal-exit';

export interface WarmTarget {
  /** A capture bundle (whydied capture). */
  bundle: string;
  /** The pid diagnosed in it. */
  pid: number;
}

export async function warm(targets: readonly WarmTarget[]): Promise<void> {
  parseFast([String(targets[0]?.pid ?? 1), '--json'], []);
  for (const t of targets) {
    const reports = await diagnoseQuery(String(t.pid), { from: t.bundle, checkModules: [], verbose: false });
    for (const color of [false, true])
      rendererFor('table')(reports, { color, verbose: false, all: false, width: 80, omitted: { live: 0, dead: 0 } });
    rendererFor('json')(reports, { color: false });
  }
}

/** What src/cli/main.ts does, with the arguments handed over at start. */
export function start(args: readonly string[]): void {
  releaseDeadTerminalAtExit();
  if (!runFast(args)) void import('../../src/cli/run').then((m) => m.run([...args]));
}
