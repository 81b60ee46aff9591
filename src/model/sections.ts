/**
 * The model's sections as the survival rules read them: each `{presentedBy, derive}`. A section counts for
 * the matrix only when the check that presents it ran and read it (--only/--skip stay honest); `derive`
 * takes the section out of the model (null when it could not be read). The verdict iterates this table
 * and names no check: a new section the rules read is one entry here plus the check presenting it.
 */
import type { TargetModel } from './target-model';

export const SECTIONS = {
  existence: { presentedBy: 'existence', derive: (m: TargetModel) => m.existence },
  chain: { presentedBy: 'parent-chain', derive: (m: TargetModel) => (m.chain.ok ? m.chain.value.section : null) },
  signals: { presentedBy: 'signals', derive: (m: TargetModel) => (m.signals.ok ? m.signals.value : null) },
  group: { presentedBy: 'process-group', derive: (m: TargetModel) => (m.group.ok ? m.group.value : null) },
  tty: { presentedBy: 'tty', derive: (m: TargetModel) => (m.tty.ok ? m.tty.value : null) },
  stdio: { presentedBy: 'stdio', derive: (m: TargetModel) => (m.stdio.ok ? m.stdio.value.section : null) },
  cgroup: { presentedBy: 'cgroup', derive: (m: TargetModel) => (m.cgroup.ok ? m.cgroup.value.section : null) },
  /**
   * The service manager's view of the cgroup's service (its main process, KillMode): kept in the cgroup
   * section, but asked of the manager only when systemd-unit runs, and known to the rules only then.
   */
  manager: {
    presentedBy: 'systemd-unit',
    derive: (m: TargetModel) => (m.cgroup.ok ? { service: m.cgroup.value.section.service } : null),
  },
  ci: { presentedBy: 'ci-environment', derive: (m: TargetModel) => m.ci.section },
  memory: {
    presentedBy: 'memory',
    derive: (m: TargetModel) => (m.memory.kind !== 'kernel-thread' ? m.memory.section : null),
  },
  namespace: {
    presentedBy: 'namespace',
    derive: (m: TargetModel) => (m.namespace.ok ? m.namespace.value.section : null),
  },
  limits: { presentedBy: 'limits', derive: (m: TargetModel) => (m.limits.ok ? m.limits.value : null) },
} as const;

export type SectionKey = keyof typeof SECTIONS;
export const SECTION_KEYS = Object.keys(SECTIONS) as SectionKey[];

/** Every section, each null when its presenting check did not show it. */
export type Sections = { [K in SectionKey]: Exclude<ReturnType<(typeof SECTIONS)[K]['derive']>, null> | null };

/** Read every section the `shown` presenters showed (a null model: every section unknown). */
export function readSections(model: TargetModel | null, shown: (checkId: string) => boolean): Sections {
  const out: Partial<Record<SectionKey, unknown>> = {};
  for (const k of SECTION_KEYS)
    out[k] = model !== null && shown(SECTIONS[k].presentedBy) ? SECTIONS[k].derive(model) : null;
  return out as Sections;
}

/**
 * Findings read by role, so no renderer (nor the engine) names a check: `existence` also presents the
 * existence section (its exit status, the headline for a gone process); `serviceManager` the manager section.
 */
export const PRESENTERS = {
  existence: SECTIONS.existence.presentedBy,
  /** Whether a service manager runs here (its finding is skipped or says no-manager otherwise). */
  serviceManager: SECTIONS.manager.presentedBy,
} as const;
