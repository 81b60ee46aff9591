/**
 * The survival model: one table of rules, grouped by event in matrix order. For each event the first
 * rule whose `when` applies decides the row; every event's list ends in a rule that always applies
 * once its evidence was read, so each row has exactly one deciding rule with a stable code.
 */
import type { Risk, RiskEvent } from '../types';
import type { RiskEvidence, SurvivalRule } from './types';
import { EVENT_INFO, type EventInfo } from '../events';
import { readSections } from '../../model/sections';

export type { RiskEvidence, SurvivalRule } from './types';

/** An event descriptor: the events table's entry (src/engine/events.ts), which carries its rules. */
export interface EventDescriptor extends EventInfo {
  readonly id: RiskEvent;
}

export const EVENTS: readonly EventDescriptor[] = EVENT_INFO;

/** Matrix order; part of the JSON contract (risks[] keeps this order). */
export const RISK_EVENTS: readonly RiskEvent[] = EVENTS.map((e) => e.id);

export const SURVIVAL_RULES: readonly SurvivalRule[] = EVENTS.flatMap((e) => e.rules);

/** Evidence with only some sections known (a check consulting the rule for its own status). */
export function evidenceWith(part: Partial<RiskEvidence>): RiskEvidence {
  // Every section of the sections table unknown (src/model/sections.ts), then the known ones.
  const none = { ...readSections(null, () => false), process: null } satisfies RiskEvidence;
  return { ...none, ...part };
}

/** Kernel threads are outside every event; one code for the whole row set. */
export const KERNEL_THREAD_CODE = 'kernel-thread';

/** Decide one event with the first rule that applies. */
export function decideEvent(event: RiskEvent, e: RiskEvidence, rules: readonly SurvivalRule[] = SURVIVAL_RULES): Risk {
  for (const rule of rules) {
    if (rule.event !== event) continue;
    const reason = rule.when(e);
    if (reason === null) continue;
    const risk: Risk = { event, code: rule.code, outcome: rule.outcome, confidence: rule.confidence, reason };
    return rule.by ? { ...risk, by: rule.by } : risk;
  }
  return {
    event,
    code: `${event}.undecided`,
    outcome: 'unknown',
    confidence: 'possible',
    reason: 'no rule applies to the evidence that could be read',
  };
}

export function evaluateRisks(e: RiskEvidence, rules: readonly SurvivalRule[] = SURVIVAL_RULES): Risk[] {
  if (e.existence?.kernelThread) {
    const reason = 'kernel thread: not reachable by terminals, sessions, user signals, containers or the OOM killer';
    return RISK_EVENTS.map((event) => ({
      event,
      code: KERNEL_THREAD_CODE,
      outcome: 'survives' as const,
      confidence: 'certain' as const,
      reason,
    }));
  }
  return RISK_EVENTS.map((event) => decideEvent(event, e, rules));
}
