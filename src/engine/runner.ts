/**
 * The check runner: stable order by list and `requires`, skip on an unmet requirement, and a crash,
 * a time-out or a malformed result turned into an `error` finding so one bad check (often a plugin)
 * never takes the diagnosis down with it.
 */
import type { Check, CheckContext, Finding, FindingInput, Status } from './types';
import { orderChecks } from './order';
import { cleanInput, findingProblem } from './normalize';

export { validateChecks, orderChecks, selectChecks } from './order';

const DEFAULT_CHECK_TIMEOUT_MS = 5000;

/** A requirement is met only when it ran and ended pass/info/warn. */
const UNMET: ReadonlySet<Status> = new Set<Status>(['fail', 'skip', 'error']);

class TimeoutError extends Error {}

export async function runChecks(
  checks: Check[],
  ctx: CheckContext,
  opts: { timeoutMs?: number } = {},
): Promise<Finding[]> {
  // Findings by id, for `requires` gating only: checks never see each other's findings (they share the model).
  const prior = new Map<string, Finding>();
  const findings: Finding[] = [];
  for (const check of orderChecks(checks)) {
    const finding = await runOne(check, ctx, prior, opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
    prior.set(finding.id, Object.freeze(finding));
    findings.push(finding);
  }
  return findings;
}

async function runOne(
  check: Check,
  ctx: CheckContext,
  prior: Map<string, Finding>,
  defaultTimeout: number,
): Promise<Finding> {
  const { meta } = check;
  const unmet = unmetRequirement(meta.requires ?? [], prior);
  if (unmet) return toFinding(check, { status: 'skip', code: 'requirement-not-met', summary: unmet, evidence: {} }, 0);

  const started = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;
  const limit = meta.timeoutMs !== undefined && meta.timeoutMs > 0 ? meta.timeoutMs : defaultTimeout;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`did not finish within ${limit} ms`)), limit);
    });
    // Promise.resolve().then() so a synchronous throw is caught like a rejection. A synchronous
    // busy loop cannot be interrupted from inside the process; the limit bounds asynchronous work.
    const result: unknown = await Promise.race([Promise.resolve().then(() => check.run(ctx)), timeout]);
    const problem = findingProblem(meta, result);
    if (problem) {
      return toFinding(
        check,
        { status: 'error', code: problem.code, summary: `check ${problem.message}`, evidence: {} },
        elapsed(),
      );
    }
    return toFinding(check, cleanInput(result as FindingInput), elapsed());
  } catch (e) {
    const timedOut = e instanceof TimeoutError;
    const message = e instanceof Error ? e.message : String(e);
    const evidence: FindingInput['evidence'] = {};
    if (ctx.options.verbose && e instanceof Error && e.stack && !timedOut) evidence.stack = e.stack;
    return toFinding(
      check,
      {
        status: 'error',
        code: timedOut ? 'check-timed-out' : 'check-crashed',
        summary: timedOut ? `check ${message}` : `check crashed: ${message.split('\n', 1)[0]}`,
        evidence,
      },
      elapsed(),
    );
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function unmetRequirement(requires: readonly string[], prior: Map<string, Finding>): string | null {
  for (const r of requires) {
    const f = prior.get(r);
    if (!f) return `requires '${r}', which was not selected`;
    if (UNMET.has(f.status)) return `requires '${r}', which ended ${f.status}`;
  }
  return null;
}

function toFinding(check: Check, input: FindingInput, durationMs: number): Finding {
  const f: Finding = {
    id: check.meta.id,
    title: check.meta.title,
    status: input.status,
    code: input.code,
    summary: input.summary,
    details: input.details ?? [],
    evidence: input.evidence ?? {},
    durationMs: Math.round(durationMs * 1000) / 1000,
  };
  if (input.remedy) f.remedy = input.remedy;
  if (input.cause) f.cause = input.cause;
  return f;
}
