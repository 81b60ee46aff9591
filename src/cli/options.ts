/**
 * Option parsing shared by commands. Kept free of heavy imports: it is loaded for every invocation,
 * including `--help`.
 */
import type { Format } from '../render/types';
import { UsageError } from '../engine/errors';

/** A repeatable option: yargs gives a single value or, when repeated, an array. */
export function toList(v: string | number | Array<string | number> | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** `--only a,b --only c` -> ['a','b','c']. */
export function splitIds(values: readonly (string | number)[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

export function pickFormat(json: boolean | undefined, format: string | undefined): Format {
  if (json && format !== undefined && format !== 'json') throw new UsageError(`--json conflicts with --format ${format}`);
  if (json) return 'json';
  if (format === undefined || format === 'table' || format === 'json' || format === 'markdown') return format ?? 'table';
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
  return Number.isInteger(cols) && cols > 40 ? cols : 100;
}
