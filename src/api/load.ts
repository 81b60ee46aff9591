/** Loading what a command works on: the check list (built-ins + plugins) and the facts (live or bundle). */
import type { Check } from '../engine/types';
import type { SurvivalRule } from '../engine/survival/types';
import type { Facts } from '../source/types';
import { UsageError } from '../util/errors';
import { escapeControl } from '../util/escape';
import { validateChecks } from '../engine/order';
import { loadPlugins } from '../engine/plugins';

/**
 * Built-in checks then plugins' checks, validated, and the plugins' survival rules; a plugin that does not
 * load is a usage error naming its path.
 */
export async function loadChecksAndRules(
  modules: readonly string[],
): Promise<{ checks: Check[]; rules: SurvivalRule[] }> {
  const { builtinChecks } = await import('../../checks');
  const plugins = await loadPlugins([...modules]);
  const bad = plugins.errors[0];
  if (bad) throw new UsageError(`cannot load check module ${bad.path}: ${bad.message}`);
  const all = [...builtinChecks, ...plugins.checks];
  validateChecks(all);
  const seen = new Set<string>();
  for (const r of plugins.rules) {
    if (seen.has(r.code)) throw new UsageError(`rule code '${escapeControl(r.code)}' is defined twice`);
    seen.add(r.code);
  }
  return { checks: all, rules: plugins.rules };
}

export const loadChecks = async (modules: readonly string[]): Promise<Check[]> =>
  (await loadChecksAndRules(modules)).checks;

/** Logs saved on another machine, as given on the command line (`-` is stdin). */
export interface SavedLogFiles {
  kmsg?: string;
  journal?: string;
}

/** Facts from a bundle file (--from), saved logs (--kmsg, --journal) or the live system. A bad bundle is a usage error. */
export async function loadFacts(from: string | undefined, saved: SavedLogFiles = {}): Promise<Facts> {
  const { createFacts } = await import('../source/facts');
  if (saved.kmsg !== undefined || saved.journal !== undefined) {
    if (from !== undefined)
      throw new UsageError('--from replays a bundle; it cannot be combined with --kmsg or --journal');
    if (saved.kmsg === '-' && saved.journal === '-')
      throw new UsageError('only one of --kmsg and --journal can read stdin');
    const { createSavedEvidenceSource, readSavedLog, SavedLogError } = await import('../source/saved-evidence-source');
    try {
      return createFacts(
        createSavedEvidenceSource({
          kernel: saved.kmsg !== undefined ? readSavedLog(saved.kmsg, 'the kernel log') : undefined,
          journal: saved.journal !== undefined ? readSavedLog(saved.journal, 'the journal') : undefined,
        }),
      );
    } catch (e) {
      // The file name is the user's, but printed to a terminal all the same: escaped.
      if (e instanceof SavedLogError) throw new UsageError(escapeControl(e.message), { cause: e });
      throw e;
    }
  }
  if (from === undefined) {
    const { createLiveSource } = await import('../source/live-source');
    // Every diagnosis reads the kernel log: start that read now, beside the /proc reads.
    return createFacts(createLiveSource({ readKmsgAhead: true }));
  }
  const { readBundleFile, BundleError } = await import('../source/bundle');
  const { createBundleSource } = await import('../source/bundle-source');
  try {
    return createFacts(createBundleSource(readBundleFile(from)));
  } catch (e) {
    if (e instanceof BundleError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}
