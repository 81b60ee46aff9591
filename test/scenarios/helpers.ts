/**
 * Scenario helpers: diagnose a real pid with the real source, runner, checks and verdict, and keep
 * the environment of scenario processes free of CI markers (the test machine may itself be a CI job).
 */
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { runChecks } from '../../src/engine/runner';
import { decide, type Decision } from '../../src/engine/verdict';
import { builtinChecks } from '../../checks';
import type { Finding, Report, Risk, RiskEvent } from '../../src/engine/types';
import { reportsForQuery } from '../../src/engine/reports-for-query';
import { validateReports } from '../helpers/schema';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createCheckContext } from '../../src/engine/context';
import { CI_MARKERS } from '../../src/model/ci-markers';

export interface Diagnosis extends Decision {
  findings: Finding[];
}

export async function diagnosePid(pid: number): Promise<Diagnosis> {
  const facts = createFacts(createLiveSource());
  const stat = facts.stat(pid);
  const target = { query: String(pid), pid, startTime: stat.ok ? stat.value.startTime : null, name: null };
  const ctx = createCheckContext(facts, target);
  const findings = await runChecks(builtinChecks, ctx);
  return { ...decide({ target, facts, findings, model: ctx.model }), findings };
}

export function risk(d: Diagnosis, event: RiskEvent): Risk {
  const r = d.risks.find((x) => x.event === event);
  if (!r) throw new Error(`no ${event} in ${JSON.stringify(d.risks)}`);
  return r;
}

export function finding(d: Diagnosis, id: string): Finding {
  const f = d.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding ${id}`);
  return f;
}

/** The product's CI markers (one list), and the terminal holders' variables. */
const CI_NAMES = [...CI_MARKERS, 'TMUX', 'STY'];

/** The test's environment without CI markers, so ci-cleanup is decided by the scenario alone. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const n of CI_NAMES) delete env[n];
  return { ...env, ...extra };
}

/** The same target through the public diagnose() path, validated against the published schema. */
export async function reportFor(pid: number): Promise<Report> {
  const facts = createFacts(createLiveSource());
  const reports = await reportsForQuery({ query: String(pid), facts, checks: builtinChecks });
  validateReports(reports);
  return reports[0];
}

/** A fresh temp dir for pid files. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-scn-'));
}

/** `$!` is written before the child has exec'd: wait until it is the program (and its dispositions are set). */
export async function waitForComm(pid: number, comm: string): Promise<void> {
  const { waitFor } = await import('../helpers/processes');
  const ok = await waitFor(() => {
    try {
      return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  });
  if (!ok) throw new Error(`process ${pid} never became ${comm}`);
}
