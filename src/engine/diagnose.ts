/**
 * `diagnose()`: the one entry point the CLI (and library users) call. Wires the real query resolver
 * and verdict into the orchestration in diagnose-core.ts.
 */
import { QueryError, resolveQuery } from '../source/resolve-query';
import { decide } from './verdict';
import { diagnoseWith } from './diagnose-core';
import type { DiagnoseOptions } from './diagnose-core';
import type { Report } from './types';

export type { DeadTarget, DeadTargetFinder, DiagnoseOptions } from './diagnose-core';

export function diagnose(opts: DiagnoseOptions): Promise<Report[]> {
  return diagnoseWith({ resolveQuery, isQueryError: (e) => e instanceof QueryError, decide }, opts);
}
