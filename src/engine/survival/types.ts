/**
 * The survival model's vocabulary: a rule decides one event's outcome from the evidence the checks
 * collected. Rules are plain data plus a predicate, so the table can be listed, documented and
 * checked against the reality suite without running anything.
 */
import type { ReportProcess, RiskConfidence, RiskEvent, RiskOutcome } from '../types';
import type { ExistenceEvidence } from '../../../checks/existence';
import type { ParentChainEvidence } from '../../../checks/parent-chain';
import type { SignalsEvidence } from '../../../checks/signals';
import type { ProcessGroupEvidence } from '../../../checks/process-group';
import type { TtyEvidence } from '../../../checks/tty';
import type { StdioEvidence } from '../../../checks/stdio';
import type { CgroupEvidence } from '../../../checks/cgroup';
import type { CiEnvironmentEvidence } from '../../../checks/ci-environment';
import type { MemoryEvidence } from '../../../checks/memory';
import type { NamespaceEvidence } from '../../../checks/namespace';

/** What the rules read: each check's evidence, null when that check did not run or could not read. */
export interface RiskEvidence {
  existence: ExistenceEvidence | null;
  chain: ParentChainEvidence | null;
  signals: SignalsEvidence | null;
  group: ProcessGroupEvidence | null;
  tty: TtyEvidence | null;
  stdio: StdioEvidence | null;
  cgroup: CgroupEvidence | null;
  ci: CiEnvironmentEvidence | null;
  memory: MemoryEvidence | null;
  namespace: NamespaceEvidence | null;
  process: ReportProcess | null;
}

export interface SurvivalRule {
  /** Stable code, `<event-prefix>.<case>`; part of the JSON contract (risks[].code). */
  code: string;
  event: RiskEvent;
  outcome: RiskOutcome;
  confidence: RiskConfidence;
  /** One line for docs and `whydied checks`: when this rule applies. */
  meaning: string;
  /** The reason (naming its evidence) when the rule applies; null when it does not. */
  when(e: RiskEvidence): string | null;
}
