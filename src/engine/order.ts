/**
 * Load-time validation and run order of a check list. Kept apart from the runner so `whydied checks`
 * can show the order without running anything.
 */
import type { Check } from './types';
import { UsageError } from '../util/errors';

/** Built-in ids are kebab-case; plugin ids are namespaced `vendor/name`. */
const CHECK_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\/[a-z0-9]+(?:-[a-z0-9]+)*)?$/;

/**
 * Throws a one-line UsageError naming the offending check: bad or duplicate id, a requirement
 * naming an unknown id, or a requirement cycle.
 */
export function validateChecks(checks: readonly Check[]): void {
  const ids = new Set<string>();
  for (const c of checks) {
    const id = c.meta.id;
    if (!CHECK_ID.test(id)) throw new UsageError(`check '${id}': id must be kebab-case (plugins: vendor/name)`);
    if (ids.has(id)) throw new UsageError(`check '${id}' is defined twice`);
    ids.add(id);
  }
  for (const c of checks) {
    for (const r of c.meta.requires ?? []) {
      if (!ids.has(r)) throw new UsageError(`check '${c.meta.id}' requires unknown check '${r}'`);
      if (r === c.meta.id) throw new UsageError(`check '${c.meta.id}' requires itself`);
    }
  }
  orderChecks(checks); // throws on a cycle
}

/**
 * Stable topological sort: list order, except that a check moves after everything it requires.
 * Requirements that are not in `checks` (not selected) impose no order; the runner skips on them.
 */
export function orderChecks<C extends Check>(checks: readonly C[]): C[] {
  const present = new Set(checks.map((c) => c.meta.id));
  const done = new Set<string>();
  const out: C[] = [];
  const pending = [...checks];
  while (pending.length > 0) {
    // Take the first pending check whose present requirements are all placed: repeated scanning
    // keeps list order as the tie-break (the lists are short, so O(n^2) is fine).
    const i = pending.findIndex((c) => (c.meta.requires ?? []).every((r) => !present.has(r) || done.has(r)));
    if (i < 0) {
      const stuck = pending[0].meta.id;
      throw new UsageError(
        `check '${stuck}' is part of a requirement cycle (${pending.map((c) => c.meta.id).join(', ')})`,
      );
    }
    const [next] = pending.splice(i, 1);
    done.add(next.meta.id);
    out.push(next);
  }
  return out;
}

/**
 * Apply --only / --skip. Unknown ids are a usage error (a typo must not silently select nothing).
 */
export function selectChecks<C extends Check>(
  checks: readonly C[],
  only?: readonly string[],
  skip?: readonly string[],
): C[] {
  const known = new Set(checks.map((c) => c.meta.id));
  for (const [flag, ids] of [
    ['--only', only],
    ['--skip', skip],
  ] as const) {
    for (const id of ids ?? []) {
      if (!known.has(id)) throw new UsageError(`unknown check id '${id}' in ${flag} (see 'whydied checks')`);
    }
  }
  const onlySet = only && only.length > 0 ? new Set(only) : null;
  const skipSet = new Set(skip ?? []);
  return checks.filter((c) => (onlySet === null || onlySet.has(c.meta.id)) && !skipSet.has(c.meta.id));
}
