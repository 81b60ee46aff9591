/**
 * The check API and the report model. Built-in checks and plugins are written against exactly these
 * types (re-exported from src/index.ts). The Report shape is the published JSON contract
 * (schema/report.schema.json, id `whydied.report/2`): change both together, deliberately.
 */
import type { RiskEvent } from './events';
import type { RemedyStep } from './remedy-kinds';
import type { Facts } from '../source/types';

export type Status = 'pass' | 'info' | 'warn' | 'fail' | 'skip' | 'error';

export interface Remedy {
  text: string;
  /** Complete shell commands, already quoted. */
  commands: string[];
}

// The vocabulary of causes is shared with the records and logs that report them (src/source).
export type { JsonValue, Evidence, CauseKind, CauseSource, CauseConfidence, Cause } from '../source/cause';
/** A death: who, its Cause (how, by whom, mechanism, evidence, confidence, time), when seen (src/source/death.ts). */
export type { Death, RecordIdentity } from '../source/death';
import type { Cause, Evidence } from '../source/cause';

/** What a check returns. The runner adds id, title and duration. */
export interface FindingInput {
  status: Status;
  /** Stable, kebab-case; one of meta.codes keys. */
  code: string;
  summary: string;
  details?: string[];
  evidence?: Evidence;
  remedy?: Remedy;
  /**
   * Postmortem checks (kernel-log, journal, records, watch, plugins) propose a cause of death here.
   * Only the verdict decides which proposal wins.
   */
  cause?: Cause;
}

export interface Finding {
  id: string;
  title: string;
  status: Status;
  code: string;
  summary: string;
  details: string[];
  evidence: Evidence;
  remedy?: Remedy;
  cause?: Cause;
  durationMs: number;
}

export interface CheckMeta {
  /** kebab-case; plugins must be namespaced `vendor/name`. */
  id: string;
  title: string;
  description: string;
  /** Ids that must have run (and not failed/skipped/errored) before this one. */
  requires?: string[];
  /** Stable result codes with a one-line meaning each: readable without running anything. */
  codes?: Record<string, string>;
  /** Per-check time limit (ms); the runner's default applies otherwise. */
  timeoutMs?: number;
}

// What a check looks at, and the model of it every check, rule and remedy reads (src/model).
export type { CheckTarget } from '../model/target';
import type { CheckTarget } from '../model/target';
import type { TargetModel } from '../model/target-model';

export interface CheckContext {
  readonly target: CheckTarget;
  readonly facts: Facts;
  /**
   * The typed view of the target (src/model): each section derived once, on first read, and shared by
   * every check, the survival rules and the remedy. Checks read each other's knowledge here, never
   * each other's findings.
   */
  readonly model: TargetModel;
  readonly options: Readonly<{ verbose: boolean }>;
}

export interface Check {
  meta: CheckMeta;
  run(ctx: CheckContext): FindingInput | Promise<FindingInput>;
}

export type ProcessState = 'alive' | 'zombie' | 'dead' | 'not-found';
/**
 * `uncertain`: alive, nothing certainly kills it, but at least one event is undecided from what /proc
 * shows (a disowned job, huponexit, a program's own SIGHUP handler).
 */
export type VerdictStatus = 'ok' | 'at-risk' | 'uncertain' | 'died' | 'unknown';
/** The survival events' ids, from the one events table (src/engine/events.ts). */
export type { RiskEvent };
export type { RemedyKind, RemedyStep } from './remedy-kinds';
export type { RiskOutcome, RiskConfidence, RiskBy, ReportProcess } from './rule-words';
import type { RiskOutcome, RiskConfidence, RiskBy, ReportProcess } from './rule-words';
export interface Risk {
  event: RiskEvent;
  /** The survival rule that decided this row (stable; docs/survival-rules.md). */
  code: string;
  outcome: RiskOutcome;
  confidence: RiskConfidence;
  reason: string;
  /**
   * `keeper`: the death this row names is the end of the process's own keeper (its tmux/screen/dtach
   * server, its supervisor, a wrapper that relays its stop): real, but what the user asks for when they stop
   * that keeper, so the verdict does not count it as a threat. Absent otherwise (added in report/2, rev 2.1).
   */
  by?: RiskBy;
}

export interface Verdict {
  status: VerdictStatus;
  summary: string;
  cause: Cause | null;
}

export interface Report {
  schema: 'whydied.report/2';
  generatedAt: string;
  host: { hostname: string; kernel: string; bootId: string; bootTime: string };
  target: { query: string; pid: number | null };
  state: ProcessState;
  process: ReportProcess | null;
  verdict: Verdict;
  risks: Risk[];
  checks: Finding[];
  /** The remedy's commands, best first (the first escapes every threat found). */
  remedy: string[];
  /**
   * The same commands with what each does (revision 2.2, additive: renderers word the fix by its kind).
   * Absent in reports from before it; remedy[] stays the commands for readers that know only it.
   */
  remedySteps?: RemedyStep[];
}
