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
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'report.schema.json'), 'utf8')) as object;
  compiled = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  return compiled;
}

/** Throws with ajv's errors when `r` is not a whydied.report/2 report (or array of them). */
export function validateReport(r: unknown): void {
  const validate = validator();
  if (!validate(r)) {
    const errs = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    throw new Error(`report does not match schema/report.schema.json:\n${errs.join('\n')}`);
  }
}

/** Parse CLI/renderer JSON output (one report or an array) and validate it; returns the reports. */
export function expectValidReports(jsonText: string): Array<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(jsonText);
  validateReport(parsed);
  return (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>;
}
