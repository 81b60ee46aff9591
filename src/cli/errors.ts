/**
 * Turning whatever escaped a command into one stderr line and an exit code: usage errors (bad input)
 * exit 2, anything else is an internal error (70). Stacks only with --verbose.
 */
import { isUsageError } from '../util/errors';
import { EXIT } from '../engine/exit-code';
import { escapeControl } from '../util/escape';

/** yargs messages can span lines ("Invalid values:\n  Argument: ..."); stderr gets one. */
export const collapse = (s: string): string =>
  s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');

export function reportError(
  e: unknown,
  verbose: boolean,
  write: (s: string) => void = (s) => process.stderr.write(s),
): number {
  const usage = isUsageError(e);
  // Messages quote arguments, file names and bundle content: never a raw control or bidi character.
  const message = escapeControl(collapse(e instanceof Error ? e.message : String(e))) || 'unknown error';
  write(`whydied: ${usage ? '' : 'internal error: '}${message}\n`);
  if (verbose && e instanceof Error && e.stack) write(`${e.stack.split('\n').map(escapeControl).join('\n')}\n`);
  return usage ? EXIT.usage : EXIT.internal;
}
