/**
 * `--redact-argv` (default from WHYDIED_REDACT_ARGV=1): the words after argv[0] can carry what a user
 * typed - tokens, passwords, customer names - and every output would ship them off the host. Redacted,
 * a death keeps its program (argv[0]: what a query groups by) and loses its arguments, in every output:
 * the store, JSON lines, the journal and syslog (which carry comm only), the textfile (comm only) and the
 * hook's stdin. Pure.
 */

/** The environment switch that makes redaction the default (a unit's Environment=, a pod's env). */
export const REDACT_ENV = 'WHYDIED_REDACT_ARGV';

/** WHYDIED_REDACT_ARGV=1|true|yes turns it on; anything else (or unset) leaves argv as recorded. */
export function redactArgvDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env[REDACT_ENV] ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/** A copy with argvHead cut to argv[0]; the same object when there is nothing to cut. */
export function redactArgv<T extends { argvHead: string[] }>(rec: T): T {
  if (rec.argvHead.length <= 1) return rec;
  return { ...rec, argvHead: rec.argvHead.slice(0, 1) };
}
