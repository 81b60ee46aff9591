/**
 * Errors the CLI turns into exit 2 (bad input) with one line on stderr. Everything else that escapes
 * a command is an internal error (exit 70). Other layers keep their own error classes (QueryError,
 * BundleError); the engine and CLI translate them into UsageError where the input is at fault.
 */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

export const isUsageError = (e: unknown): e is UsageError => e instanceof UsageError;

/** First line of an error message: stderr output is always exactly one line. */
function oneLine(message: string): string {
  const first = message.split(/\r?\n/, 1)[0] ?? '';
  return first.trim() || 'unknown error';
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return oneLine(e.message);
  return oneLine(String(e));
}
