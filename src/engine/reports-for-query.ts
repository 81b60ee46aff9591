/**
 * The engine's one step of a diagnosis: a query over given facts and checks -> its targets -> the checks
 * -> the verdict -> one Report per target. The library's and the CLI's one entry, `diagnoseQuery`
 * (src/api/diagnose.ts), loads the defaults (checks, plugins, facts, dead-target finders) and calls this.
 * The resolver and the verdict are the real ones unless a test passes its own (synthetic facts, no OS).
 */
import type { Facts } from '../source/types';
import type { Check, CheckTarget, Finding, Report } from './types';
import { decide, type Decision } from './verdict';
import { QueryError, resolveQuery, type ResolvedQuery } from '../source/resolve-query';
import { runChecks, selectChecks, validateChecks } from './runner';
import { UsageError } from '../util/errors';
import { withConfidence } from './confidence';
import type { TargetModel } from '../model/target-model';
import type { SurvivalRule } from './survival/types';
import { createCheckContext } from './context';

// One definition each: the resolver's result and the verdict's decision (type-only: nothing loads eagerly).
export type { ResolvedQuery } from '../source/resolve-query';
export type { Decision } from './verdict';

import type { DeadTarget, DeadTargetFinder } from '../source/dead-target';
export type { DeadTarget, DeadTargetFinder } from '../source/dead-target';

export interface ReportQueryOptions {
  query: string;
  facts: Facts;
  checks: Check[];
  /** Plugin survival rules: tried before the built-in rules of their event. */
  rules?: readonly SurvivalRule[];
  only?: string[];
  skip?: string[];
  verbose?: boolean;
  deadTargets?: DeadTargetFinder[];
  /** Per-check default time limit (ms). */
  timeoutMs?: number;
  /**
   * By name: diagnose only the newest this many dead targets (live matches are all diagnosed). A recorder
   * can hold thousands of deaths of `sleep`; each would be a whole diagnosis. Default: no limit.
   */
  deadTargetLimit?: number;
  /** Told how many older dead targets the limit left out (only when it left some out). */
  onDeadTargetsOmitted?: (omitted: number) => void;
  /**
   * By name or :PORT: diagnose only the newest this many live matches. `whydied sleep` on a host running
   * 10,000 sleeps would otherwise print 10,000 reports. Default: no limit.
   */
  liveTargetLimit?: number;
  /** Told how many older live matches the limit left out (only when it left some out). */
  onLiveTargetsOmitted?: (omitted: number) => void;
}

export interface ReportQueryDeps {
  resolveQuery(query: string, facts: Facts): ResolvedQuery;
  /** True for the resolver's own "bad query" errors, which are usage errors (exit 2). */
  isQueryError(e: unknown): boolean;
  decide(input: {
    target: CheckTarget;
    facts: Facts;
    findings: Finding[];
    model: TargetModel;
    rules?: readonly SurvivalRule[];
  }): Decision;
}

const LIVE: ReportQueryDeps = { resolveQuery, isQueryError: (e) => e instanceof QueryError, decide };

export async function reportsForQuery(opts: ReportQueryOptions, deps: ReportQueryDeps = LIVE): Promise<Report[]> {
  validateChecks(opts.checks);
  const selected = selectChecks(opts.checks, opts.only, opts.skip);
  let resolved: ResolvedQuery;
  try {
    resolved = deps.resolveQuery(opts.query, opts.facts);
  } catch (e) {
    if (deps.isQueryError(e)) throw new UsageError(e instanceof Error ? e.message : String(e), { cause: e });
    throw e;
  }
  const targets = targetsFor(opts, resolved);
  if (targets.length === 0) return [notFoundReport(opts, resolved)];
  const reports: Report[] = [];
  for (const target of targets) {
    const ctx = createCheckContext(opts.facts, target, {
      verbose: opts.verbose,
      checks: selected.map((c) => c.meta.id),
    });
    const findings = await runChecks(selected, ctx, { timeoutMs: opts.timeoutMs });
    const d = deps.decide({ target, facts: opts.facts, findings, model: ctx.model, rules: opts.rules });
    const rated = withConfidence(findings, d.verdict.cause, target);
    reports.push({
      ...header(opts.facts, opts.query, target.pid),
      state: d.state,
      process: d.process,
      verdict: { ...d.verdict, cause: rated.cause },
      risks: d.risks,
      checks: rated.findings,
      remedy: d.remedy.map((s) => s.command),
      remedySteps: d.remedy,
    });
  }
  return reports;
}

function startTimeOf(facts: Facts, pid: number): number | null {
  const s = facts.stat(pid);
  return s.ok ? s.value.startTime : null;
}

/** Newest first: later start time first, then higher pid (pids mostly grow until they wrap). */
const newestFirst = (
  a: { pid: number; startTime: number | null },
  b: { pid: number; startTime: number | null },
): number => (b.startTime ?? -1) - (a.startTime ?? -1) || b.pid - a.pid;

/** The newest `liveTargetLimit` of the live matches (given newest first); says how many it left out. */
function newestLive(opts: ReportQueryOptions, matches: CheckTarget[]): CheckTarget[] {
  const limit = opts.liveTargetLimit;
  if (limit === undefined || matches.length <= limit) return matches;
  opts.onLiveTargetsOmitted?.(matches.length - limit);
  return matches.slice(0, limit);
}

function targetsFor(opts: ReportQueryOptions, r: ResolvedQuery): CheckTarget[] {
  const { query, facts } = opts;
  if (r.kind === 'pid') return [{ query, pid: r.pid, startTime: startTimeOf(facts, r.pid), name: null }];
  if (r.kind === 'port')
    return newestLive(
      opts,
      r.pids.map((pid) => ({ query, pid, startTime: startTimeOf(facts, pid), name: null })),
    );
  const matches = r.pids
    .map((pid) => ({ query, pid, startTime: startTimeOf(facts, pid), name: r.name }))
    .sort(newestFirst);
  // Every live match, kept or not, is alive: none of their records is a dead target.
  const seen = new Set(matches.map((t) => `${t.pid}/${t.startTime}`));
  const live = newestLive(opts, matches);
  const dead: DeadTarget[] = [];
  for (const find of opts.deadTargets ?? []) {
    for (const d of find(r.name, facts)) {
      const key = `${d.pid}/${d.startTime}`;
      if (seen.has(key)) continue; // a record of a process that is in fact still alive
      seen.add(key);
      dead.push(d);
    }
  }
  dead.sort((a, b) => (b.timeMs ?? -Infinity) - (a.timeMs ?? -Infinity) || newestFirst(a, b));
  const limit = opts.deadTargetLimit;
  if (limit !== undefined && dead.length > limit) {
    opts.onDeadTargetsOmitted?.(dead.length - limit);
    dead.length = limit;
  }
  return [...live, ...dead.map((d) => ({ query, pid: d.pid, startTime: d.startTime, name: d.name }))];
}

function header(
  facts: Facts,
  query: string,
  pid: number | null,
): Pick<Report, 'schema' | 'generatedAt' | 'host' | 'target'> {
  const h = facts.host();
  return {
    schema: 'whydied.report/2',
    generatedAt: new Date(facts.raw.now()).toISOString(),
    host: {
      hostname: h.hostname,
      kernel: h.kernel,
      bootId: h.bootId,
      bootTime: new Date(h.bootTime * 1000).toISOString(),
    },
    target: { query, pid },
  };
}

function notFoundReport(opts: ReportQueryOptions, r: ResolvedQuery): Report {
  const searched = (opts.deadTargets ?? []).length > 0 ? ', and no record of one dying was found' : '';
  const summary =
    r.kind === 'port'
      ? `nothing is listening on TCP port ${r.port}`
      : r.kind === 'name'
        ? `no running process is named '${r.name}' (comm or argv[0])${searched}`
        : `process ${r.pid} was not found`;
  return {
    ...header(opts.facts, opts.query, null),
    state: 'not-found',
    process: null,
    verdict: { status: 'unknown', summary, cause: null },
    risks: [],
    checks: [],
    remedy: [],
    remedySteps: [],
  };
}
