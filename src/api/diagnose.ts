/**
 * The one entry of a diagnosis, wired with the defaults: built-in checks plus plugins, live facts (or a
 * bundle, or facts given), and the finders of dead processes by name (launch registry, records, kernel log,
 * systemd units). The CLI's `whydied <target>`, `watch` and `capture` and the library's `diagnose(query)`
 * all go through here; the engine's one step is reportsForQuery (src/engine/reports-for-query.ts).
 */
import type { Check, Report } from '../engine/types';
import type { SurvivalRule } from '../engine/survival/types';
import type { Facts } from '../source/types';
import { deadTargetFinders } from './dead-targets';
import { loadChecksAndRules, loadFacts, type SavedLogFiles } from './load';

/** By name, the newest this many dead targets are diagnosed unless `all` (the --help text says 10). */
const DEAD_TARGET_LIMIT = 10;
/** By name or :PORT, the newest this many live matches are diagnosed unless `all` (the --help text says 10). */
const LIVE_TARGET_LIMIT = 10;

export interface DiagnoseQueryOptions {
  /** Plugin modules to load (paths), as `--check` takes them. */
  checkModules?: readonly string[];
  /** Plugin checks and rules given as objects (a script's own). */
  checks?: readonly Check[];
  rules?: readonly SurvivalRule[];
  only?: string[];
  skip?: string[];
  verbose?: boolean;
  /** Every match and every recorded death of a name as a target, not only the newest 10 of each. */
  all?: boolean;
  /** Replay a capture bundle instead of reading this machine. */
  from?: string;
  /** Facts already made (capture's recording source, one set shared by watch's pids): `from`/`saved` unused. */
  facts?: Facts;
  /** Kernel log / journal saved on another machine. */
  saved?: SavedLogFiles;
  /** Told how many older dead targets were left out (only without `all`). */
  onDeadTargetsOmitted?: (count: number) => void;
  /** Told how many older live matches were left out (only without `all`). */
  onLiveTargetsOmitted?: (count: number) => void;
}

export async function diagnoseQuery(query: string, o: DiagnoseQueryOptions = {}): Promise<Report[]> {
  const loaded = await loadChecksAndRules(o.checkModules ?? []);
  const checks = [...loaded.checks, ...(o.checks ?? [])];
  const facts = o.facts ?? (await loadFacts(o.from, o.saved));
  const { reportsForQuery } = await import('../engine/reports-for-query');
  return reportsForQuery({
    query,
    facts,
    checks,
    rules: [...loaded.rules, ...(o.rules ?? [])],
    only: o.only,
    skip: o.skip,
    verbose: o.verbose,
    deadTargets: deadTargetFinders,
    deadTargetLimit: o.all ? undefined : DEAD_TARGET_LIMIT,
    onDeadTargetsOmitted: o.onDeadTargetsOmitted,
    liveTargetLimit: o.all ? undefined : LIVE_TARGET_LIMIT,
    onLiveTargetsOmitted: o.onLiveTargetsOmitted,
  });
}
