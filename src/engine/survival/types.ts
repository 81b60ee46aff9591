/**
 * The survival model's vocabulary: a rule decides one event's outcome from the evidence the checks
 * collected. Rules are plain data plus a predicate, so the table can be listed, documented and
 * checked against the reality suite without running anything.
 */
import type { Sections } from '../../model/sections';
import type { ReportProcess, RiskBy, RiskConfidence, RiskOutcome } from '../rule-words';

/**
 * What the rules read: the model's sections (src/model/sections.ts, the table the verdict iterates), each
 * null when the check that presents it did not run (--only, --skip, an unmet requirement) or could not read it.
 */
export type RiskEvidence = Sections & { process: ReportProcess | null };

export interface SurvivalRule {
  /** Stable code, `<event-prefix>.<case>`; part of the JSON contract (risks[].code). */
  code: string;
  /**
   * The id of the event it decides: the events table's entry carrying it (src/engine/events.ts; held equal
   * by test/engine/events-table.test.ts), or for a plugin's rule, checked when the plugin is loaded.
   */
  event: string;
  outcome: RiskOutcome;
  confidence: RiskConfidence;
  /** Set when the death it predicts is the process's own keeper ending (Risk.by): not a threat. */
  by?: RiskBy;
  /** One line for docs and `whydied checks`: when this rule applies. */
  meaning: string;
  /** The reason (naming its evidence) when the rule applies; null when it does not. */
  when(e: RiskEvidence): string | null;
}
