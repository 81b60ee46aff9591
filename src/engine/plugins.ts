/**
 * `--check ./module.js`: user checks with the same API as the built-ins. Loading never throws; the
 * caller decides (the CLI treats any load error as a usage error naming the path). A plugin check
 * that throws while running is handled by the runner like any other check.
 */
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Check } from './types';

const NAMESPACED_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface PluginLoadResult {
  checks: Check[];
  errors: Array<{ path: string; message: string }>;
}

export async function loadPlugins(paths: string[]): Promise<PluginLoadResult> {
  const checks: Check[] = [];
  const errors: PluginLoadResult['errors'] = [];
  for (const p of paths) {
    try {
      const mod = await loadModule(path.resolve(process.cwd(), p));
      checks.push(...extractChecks(mod));
    } catch (e) {
      errors.push({ path: p, message: (e instanceof Error ? e.message : String(e)).split('\n', 1)[0] });
    }
  }
  return { checks, errors };
}

/**
 * require() first (CommonJS, and ES modules on Node >= 20.19); a real dynamic import() as a
 * fallback. tsc compiles `import()` to require() under CommonJS, so the import is built at run time.
 */
async function loadModule(abs: string): Promise<unknown> {
  try {
    return require(abs) as unknown;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw e;
    // The bin runs the bundle through vm.Script, where code made by `new Function` cannot import():
    // its loader (scripts/whydied-loader.js) provides an import() of its own under this symbol.
    const fromLoader = (globalThis as Record<symbol, unknown>)[Symbol.for('whydied.import')];
    const dynamicImport =
      typeof fromLoader === 'function'
        ? (fromLoader as (s: string) => Promise<unknown>)
        : (new Function('s', 'return import(s)') as (s: string) => Promise<unknown>);
    return dynamicImport(pathToFileURL(abs).href);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Accepts a Check, an array of Checks or `{ checks: [...] }`, as module.exports or as the default export. */
export function extractChecks(mod: unknown): Check[] {
  let value: unknown = mod;
  if (isObject(value) && 'default' in value && !('meta' in value) && !('checks' in value)) value = value.default;
  if (isObject(value) && !Array.isArray(value) && 'checks' in value && !('meta' in value)) value = value.checks;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Error('exports no checks');
  return list.map(validatePluginCheck);
}

function validatePluginCheck(c: unknown, i: number): Check {
  const where = `check #${i + 1}`;
  if (!isObject(c) || !isObject(c.meta)) throw new Error(`${where} has no meta object (expected { meta, run })`);
  const m = c.meta;
  const id = typeof m.id === 'string' ? m.id : '';
  if (!NAMESPACED_ID.test(id)) {
    throw new Error(`${where}: id ${JSON.stringify(m.id ?? null)} must be namespaced like 'vendor/name' (kebab-case)`);
  }
  if (typeof m.title !== 'string' || m.title.trim() === '') throw new Error(`check '${id}' has no title`);
  if (typeof m.description !== 'string') throw new Error(`check '${id}' has no description`);
  if (typeof c.run !== 'function') throw new Error(`check '${id}' has no run function`);
  if (m.requires !== undefined && !(Array.isArray(m.requires) && m.requires.every((r) => typeof r === 'string'))) {
    throw new Error(`check '${id}': requires must be a list of check ids`);
  }
  if (m.codes !== undefined && !(isObject(m.codes) && Object.values(m.codes).every((v) => typeof v === 'string'))) {
    throw new Error(`check '${id}': codes must map each code to a one-line meaning`);
  }
  if (m.timeoutMs !== undefined && !(typeof m.timeoutMs === 'number' && m.timeoutMs > 0)) {
    throw new Error(`check '${id}': timeoutMs must be a positive number`);
  }
  return c as unknown as Check;
}
