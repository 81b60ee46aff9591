/**
 * `--check ./module.js`: user checks and survival rules with the same API as the built-ins. A module
 * exports a Check, an array of Checks, or `{ checks, rules }`. Loading never throws; the caller decides
 * (the CLI treats any load error as a usage error naming the path). A plugin check that throws while
 * running is handled by the runner like any other check; a plugin rule that throws decides nothing.
 */
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Check, RiskConfidence, RiskEvent, RiskOutcome } from './types';
import type { SurvivalRule } from './survival/types';
import { RISK_EVENTS } from './survival';

const NAMESPACED_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface PluginLoadResult {
  checks: Check[];
  rules: SurvivalRule[];
  errors: Array<{ path: string; message: string }>;
}

export async function loadPlugins(paths: string[]): Promise<PluginLoadResult> {
  const checks: Check[] = [];
  const rules: SurvivalRule[] = [];
  const errors: PluginLoadResult['errors'] = [];
  for (const p of paths) {
    try {
      const mod = await loadModule(path.resolve(process.cwd(), p));
      const plugin = extractPlugin(mod);
      checks.push(...plugin.checks);
      rules.push(...plugin.rules);
    } catch (e) {
      errors.push({ path: p, message: (e instanceof Error ? e.message : String(e)).split('\n', 1)[0] });
    }
  }
  return { checks, rules, errors };
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

/** Accepts a Check, an array of Checks or `{ checks?, rules? }`, as module.exports or as the default export. */
function extractPlugin(mod: unknown): { checks: Check[]; rules: SurvivalRule[] } {
  let value: unknown = mod;
  if (isObject(value) && 'default' in value && !('meta' in value) && !('checks' in value) && !('rules' in value))
    value = value.default;
  if (isObject(value) && !Array.isArray(value) && !('meta' in value) && ('checks' in value || 'rules' in value)) {
    const checks = value.checks === undefined ? [] : Array.isArray(value.checks) ? value.checks : [value.checks];
    const rules = value.rules === undefined ? [] : Array.isArray(value.rules) ? value.rules : [value.rules];
    if (checks.length === 0 && rules.length === 0) throw new Error('exports no checks and no rules');
    return { checks: checks.map(validatePluginCheck), rules: rules.map(validatePluginRule) };
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Error('exports no checks');
  return { checks: list.map(validatePluginCheck), rules: [] };
}

/** The checks of a plugin module (see extractPlugin). */
export const extractChecks = (mod: unknown): Check[] => extractPlugin(mod).checks;

const OUTCOMES: readonly RiskOutcome[] = ['dies', 'survives', 'unknown'];
const CONFIDENCES: readonly RiskConfidence[] = ['certain', 'likely', 'possible'];
/** `vendor/name.case`: a plugin's rule codes cannot collide with the built-ins' `<event>.<case>`. */
const NAMESPACED_RULE = /^[a-z0-9]+(-[a-z0-9]+)*\/[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$/;

function validatePluginRule(r: unknown, i: number): SurvivalRule {
  const where = `rule #${i + 1}`;
  if (!isObject(r))
    throw new Error(`${where} is not an object (expected { code, event, outcome, confidence, meaning, when })`);
  const code = typeof r.code === 'string' ? r.code : '';
  if (!NAMESPACED_RULE.test(code))
    throw new Error(`${where}: code ${JSON.stringify(r.code ?? null)} must be namespaced like 'vendor/name.case'`);
  if (!RISK_EVENTS.includes(r.event as RiskEvent))
    throw new Error(`rule '${code}': event must be one of ${RISK_EVENTS.join(', ')}`);
  if (!OUTCOMES.includes(r.outcome as RiskOutcome))
    throw new Error(`rule '${code}': outcome must be one of ${OUTCOMES.join(', ')}`);
  if (!CONFIDENCES.includes(r.confidence as RiskConfidence))
    throw new Error(`rule '${code}': confidence must be one of ${CONFIDENCES.join(', ')}`);
  if (typeof r.meaning !== 'string' || r.meaning.trim() === '') throw new Error(`rule '${code}' has no meaning`);
  if (typeof r.when !== 'function') throw new Error(`rule '${code}' has no when function`);
  const when = r.when as SurvivalRule['when'];
  return {
    code,
    event: r.event as RiskEvent,
    outcome: r.outcome as RiskOutcome,
    confidence: r.confidence as RiskConfidence,
    meaning: r.meaning,
    // A plugin's predicate that throws (or returns a non-string) decides nothing: the next rule is tried.
    when: (e) => {
      try {
        const reason: unknown = when(e);
        return typeof reason === 'string' && reason !== '' ? reason : null;
      } catch {
        return null;
      }
    },
  };
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
