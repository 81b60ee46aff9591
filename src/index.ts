/**
 * The library API (package.json `exports`): what a script or a plugin author uses.
 *
 * A script diagnoses and renders:
 *
 *   const { diagnose, render, exitCodeForAll } = require('whydied');
 *   const reports = await diagnose('nginx');            // a pid, a name or ':PORT'
 *   process.stdout.write(render(reports, 'table'));
 *
 * A plugin adds checks and survival rules with the types the built-ins use (ids and codes namespaced
 * `vendor/...`); `whydied --check ./plugin.js` loads it:
 *
 *   module.exports = definePlugin({ checks: [defineCheck({ meta, run })], rules: [defineRule({ code, ... })] });
 *
 * Checks read `ctx.model` (the target's typed sections) and `ctx.facts`, never print and never exit.
 * Importing this module loads types and small helpers only; the engine loads when `diagnose` runs.
 */
import type { Check, Report } from './engine/types';
import type { SurvivalRule } from './engine/survival/types';
import type { DiagnoseQueryOptions } from './api/diagnose';
import type { Format, RenderOptions } from './render/types';

export type * from './engine/types';
export type { SurvivalRule, RiskEvidence } from './engine/survival/types';
export type { TargetModel } from './model/target-model';
export type { ExistenceSection } from './model/existence';
export type { ChainSection, Chain } from './model/chain';
export type { ProcessDescription } from './model/describe-process';
export type { SignalsSection } from './model/signals';
export type { GroupSection, MemberSection } from './model/group';
export type { TtySection } from './model/tty';
export type { StdioSection, FdSection, PeerSection, Stdio } from './model/stdio';
export type { CgroupSection, Cgroup } from './model/cgroup';
export type { CiSection, Ci } from './model/ci';
export type { MemorySection, Memory } from './model/memory';
export type { NamespaceSection, Namespace } from './model/namespace';
export type {
  Facts,
  RawSource,
  Read,
  ReadErrorCode,
  ProcStat,
  ProcStatus,
  ProcessFacts,
  ProcessIdentity,
  HostFacts,
  TtyInfo,
  FdInfo,
  FdKind,
  CgroupEntry,
  TcpListener,
} from './source/types';
export type { DiagnoseQueryOptions } from './api/diagnose';
export type { Format, RenderOptions } from './render/types';

/** Identity helpers: give a plain object literal its type (and its editor hints). */
export const defineCheck = <C extends Check>(check: C): C => check;
export const defineRule = (rule: SurvivalRule): SurvivalRule => rule;
export const definePlugin = (plugin: {
  checks?: Check[];
  rules?: SurvivalRule[];
}): { checks: Check[]; rules: SurvivalRule[] } => ({
  checks: plugin.checks ?? [],
  rules: plugin.rules ?? [],
});

export { exitCodeFor, exitCodeForAll, EXIT } from './engine/exit-code';
export { escapeControl } from './util/escape';
export { createCheckContext } from './engine/context';
export { RISK_EVENTS, SURVIVAL_RULES } from './engine/survival';
export { MECHANISMS } from './engine/mechanisms';
export type { Mechanism } from './engine/mechanisms';

/**
 * Diagnose a pid, a name or `:PORT` on this machine (or in a bundle: `from`), with the built-in checks,
 * the given plugin checks and rules, and whydied's records: what `whydied QUERY --json` reports.
 */
export async function diagnose(query: string, options: DiagnoseQueryOptions = {}): Promise<Report[]> {
  const { diagnoseQuery } = await import('./api/diagnose');
  return diagnoseQuery(query, options);
}

/** Reports as the CLI prints them: `table` (answer first), `json` (the published envelope) or `markdown`. */
export function render(
  reports: Report | Report[],
  format: Format = 'table',
  options: Partial<RenderOptions> = {},
): string {
  const { rendererFor } = require('./render') as typeof import('./render');
  return rendererFor(format)(reports, { color: false, ...options });
}

/**
 * Deaths many hosts published (`whydied.death/1` lines, as a log pipeline gathers them) summarized by
 * service, host and cause: what `whydied scan --deaths FILE --json` prints. Throws DeathInputError naming
 * the first line that is not a death.
 */
export function scanFleetDeaths(
  text: string,
  query: import('./scan/fleet-deaths').FleetDeathsQuery & { nowMs?: number } = {},
): import('./scan/fleet-deaths').FleetDeathsResult {
  const { parseDeathLines } = require('./fleet/death-lines') as typeof import('./fleet/death-lines');
  const { summarizeFleetDeaths } = require('./scan/fleet-deaths') as typeof import('./scan/fleet-deaths');
  const { deaths, duplicates } = parseDeathLines(text);
  return summarizeFleetDeaths(deaths, { ...query, nowMs: query.nowMs ?? Date.now(), duplicates });
}
export { DeathInputError } from './fleet/death-lines';
export type { FleetDeathsResult, ServiceDeaths, CauseCount } from './scan/fleet-deaths';
