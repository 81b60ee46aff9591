/**
 * Every report the test suite produces is validated against the published schema with these.
 */
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import * as fs from 'fs';
import * as path from 'path';

let compiled: ValidateFunction | null = null;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'report.schema.json'), 'utf8'),
  ) as object;
  compiled = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  return compiled;
}

/** Throws with ajv's errors when `r` is not a whydied.report/2 envelope ({schema, reports}). */
export function validateReport(r: unknown): void {
  const validate = validator();
  if (!validate(r)) {
    const errs = (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
    throw new Error(`report does not match schema/report.schema.json:\n${errs.join('\n')}`);
  }
}

/** Validate reports produced in-process (not printed) by wrapping them in the output envelope. */
export function validateReports(reports: readonly unknown[]): void {
  validateReport({ schema: 'whydied.report/2', reports });
}

/** Parse CLI/renderer JSON output (always an envelope) and validate it; returns the reports. */
export function expectValidReports(jsonText: string): Array<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(jsonText);
  validateReport(parsed);
  return (parsed as { reports: Array<Record<string, unknown>> }).reports;
}

/** The reports of a JSON output, without validation (for tests that only read a field). */
export function reportsOf<T = Record<string, unknown>>(jsonText: string): T[] {
  return (JSON.parse(jsonText) as { reports: T[] }).reports;
}
