/**
 * The public API for plugin authors (and library users). A plugin is a module exporting a Check, an
 * array of Checks or `{ checks: [...] }`; its ids are namespaced `vendor/name`:
 *
 *   const { defineCheck } = require('whydied');
 *   module.exports = defineCheck({
 *     meta: { id: 'acme/pidfile', title: 'Pidfile', description: 'Is the pidfile current?', codes: { ok: 'matches' } },
 *     run: (ctx) => ({ status: 'pass', code: 'ok', summary: 'pidfile matches' }),
 *   });
 *
 * Checks read only through ctx.facts, never print and never exit. Importing this module loads types
 * and small helpers only; the engine is loaded when `diagnose` is called.
 */
import type { Check } from './engine/types';
import type { Report } from './engine/types';
import type { DiagnoseOptions } from './engine/diagnose-core';

export type * from './engine/types';
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
export type { DeadTarget, DeadTargetFinder, DiagnoseOptions } from './engine/diagnose-core';
export type { Format, RenderOptions, Renderer } from './render/types';

/** Identity helper: gives a plain object literal the Check type (and its editor hints). */
export function defineCheck<C extends Check>(check: C): C {
  return check;
}

export { exitCodeFor, exitCodeForAll, EXIT } from './engine/exit-code';
export { escapeControl } from './util/escape';

/** Run a diagnosis over `opts.facts` (see DiagnoseOptions). Loads the engine on first use. */
export async function diagnose(opts: DiagnoseOptions): Promise<Report[]> {
  const engine = await import('./engine/diagnose');
  return engine.diagnose(opts);
}
