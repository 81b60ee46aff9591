/**
 * Option parsing shared by commands. Kept free of heavy imports: it is loaded for every invocation,
 * including `--help`.
 */
import type { Format } from '../render/types';
import { UsageError } from '../util/errors';
import { escapeControl } from '../util/escape';

/** A repeatable option: yargs gives a single value or, when repeated, an array. */
export function toList(v: string | number | Array<string | number> | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** `--only a,b --only c` -> ['a','b','c']. */
export function splitIds(values: readonly (string | number)[] | undefined, option = 'only'): string[] | undefined {
  if (values === undefined) return undefined;
  const ids = values
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  // `--only ''` would otherwise silently mean "no filter" (every check runs).
  if (ids.length === 0) throw new UsageError(`--${option} needs at least one check id (whydied checks lists them)`);
  return ids;
}

/** `--only tty --skip tty` would run nothing and say nothing: a usage error naming what is left out. */
export function onlyAndSkip(
  only: string[] | undefined,
  skip: string[] | undefined,
): { only: string[] | undefined; skip: string[] | undefined } {
  if (only && skip && only.every((id) => skip.includes(id)))
    throw new UsageError(
      `--skip ${escapeControl(skip.join(','))} removes every check --only ${escapeControl(only.join(','))} names: nothing would run`,
    );
  return { only, skip };
}

export function pickFormat(json: boolean | undefined, format: string | undefined): Format {
  if (json && format !== undefined && format !== 'json')
    throw new UsageError(`--json conflicts with --format ${format}`);
  if (json) return 'json';
  if (format === undefined || format === 'table' || format === 'json' || format === 'markdown')
    return format ?? 'table';
  throw new UsageError(`unknown --format '${format}' (table, json or markdown)`);
}

/**
 * Colour only on a TTY, and never with --no-color or NO_COLOR (https://no-color.org: any non-empty
 * value). `--color` cannot force it onto a pipe: piped output must stay free of escape codes.
 */
export function useColor(flag: boolean | undefined, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

/** Table width: the terminal's, else $COLUMNS, else 100 so piped output stays readable. */
export function outputWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const cols = Number(env.COLUMNS);
  // 80, not wider: piped to `less` on an 80-column terminal, a wider line wraps in the middle of a word.
  return Number.isInteger(cols) && cols > 40 ? cols : 80;
}

/** The longest --timeout: node timers hold at most 2^31-1 ms (a longer one fires at once). */
export const MAX_TIMEOUT_S = Math.floor(0x7fffffff / 1000);

/** `--timeout S`: a positive number of seconds up to MAX_TIMEOUT_S, in ms; anything else is a usage error. */
export function parseTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const t = String(raw).trim();
  const s = /^(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : NaN;
  if (!(s > 0))
    throw new UsageError(`--timeout takes a positive number of seconds, not '${escapeControl(String(raw))}'`);
  if (s > MAX_TIMEOUT_S)
    throw new UsageError(`--timeout ${t} is too long: at most ${MAX_TIMEOUT_S} seconds (about 24 days)`);
  return Math.max(1, Math.round(s * 1000));
}
