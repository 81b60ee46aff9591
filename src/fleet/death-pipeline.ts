/**
 * A death's path from the tracer to the outputs, top to bottom. Every observer makes one Death
 * (src/source/death.ts) and hands it to the one DeathSink its command opened from `--output`:
 *
 *   whydied record   tracefs events (src/record/recorder.ts onExit)
 *                      -> DeathTracker (src/observe/derive.ts): how and by whom, the mechanism: a Cause
 *                      -> the process table's identity + the Cause: one Death (a record line)
 *                      -> the records store, batched by the recorder's writer (retention: src/record/retention.ts)
 *                      -> sink.death(death, own)          (own: whydied's descendant, skipped; health: sink.health)
 *   whydied run      the child's wait status + its tracefs watch (src/run/run-cmd.ts) -> runRun's Death
 *                      -> sink.death(death)               (src/cli/actions/run-with-outputs.ts)
 *   whydied watch    watch() (src/observe/watch.ts) -> WatchResult.death -> the records store, then a diagnosis
 *
 * and in the sink (src/fleet/outputs.ts openSinks), in this order:
 *   1. redact argv (--redact-argv)           2. container identity from the cgroup
 *   3. every output's record(): the store    4. stop: a clean exit(0), a hook's or helper's own process
 *   5. one published event, whydied.death/1 (src/fleet/death-event.ts)
 *   6. every output's death(): jsonl, journal/syslog, prom (src/fleet/output-table.ts)   7. the --on-death hook
 */
import type { DeathRecord } from '../source/records/types';

/** The recorder's health, for the metrics. */
export interface SinkHealth {
  events: number;
  lost: number;
}

export interface DeathSink {
  /**
   * One death through every step above. `own`: the process descended from this whydied (an --on-death hook,
   * the journal helper, anything they started, in whatever session or group): the recorder stored it, and
   * nothing here sees it, or a hook would trigger itself.
   */
  death(death: DeathRecord, own?: boolean): void;
  health(h: SinkHealth): void;
}
