/** Loading what a command works on: the check list (built-ins + plugins) and the facts (live or bundle). */
import type { Check } from '../../engine/types';
import type { Facts } from '../../source/types';
import { UsageError } from '../../engine/errors';
import { validateChecks } from '../../engine/order';
import { loadPlugins } from '../../engine/plugins';

/** Built-in checks then plugins, validated; a plugin that does not load is a usage error naming its path. */
export async function loadChecks(modules: readonly string[]): Promise<Check[]> {
  const { builtinChecks } = await import('../../../checks');
  const plugins = await loadPlugins([...modules]);
  const bad = plugins.errors[0];
  if (bad) throw new UsageError(`cannot load check module ${bad.path}: ${bad.message}`);
  const all = [...builtinChecks, ...plugins.checks];
  validateChecks(all);
  return all;
}

/** Facts from a bundle file (--from) or the live system. A bad bundle is a usage error. */
export async function loadFacts(from: string | undefined): Promise<Facts> {
  const { createFacts } = await import('../../source/facts');
  if (from === undefined) {
    const { createLiveSource } = await import('../../source/live-source');
    return createFacts(createLiveSource());
  }
  const { readBundleFile, BundleError } = await import('../../source/bundle');
  const { createBundleSource } = await import('../../source/bundle-source');
  try {
    return createFacts(createBundleSource(readBundleFile(from)));
  } catch (e) {
    if (e instanceof BundleError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}
