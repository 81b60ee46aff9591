/**
 * The remedy's proof for a runner's leftover: the printed command run by a new step of the same runner (same
 * environment), the relaunched process found by its argv, diagnosed (the event must now say survives), then
 * the same cleanup done again, which it must outlive.
 */
import type { Report, RiskEvent } from '../../../src/engine/types';
import { startRunner, type RunnerOptions } from './runner';
import { diagnose, outcomeOf, relaunched, riskOf } from '../predict';

export async function remedySurvives(
  report: Report,
  argv: string[],
  oldPid: number,
  event: RiskEvent,
  opts: RunnerOptions,
  cleanup: (pgid: number) => Promise<unknown>,
): Promise<Report> {
  const cmd = report.remedy[0];
  if (!cmd) throw new Error(`no remedy offered: ${report.verdict.summary}`);
  const runner = await startRunner(cmd, opts);
  const pid = await relaunched(argv, [oldPid]);
  const after = diagnose(pid);
  const row = riskOf(after, event);
  expect(row.outcome).toBe('survives');
  await cleanup(runner.pgid);
  expect(await outcomeOf(pid, row)).toBe(false);
  return after;
}
