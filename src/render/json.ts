/**
 * JSON output: the published contract (schema/report.schema.json). JSON.stringify escapes C0 controls
 * but leaves DEL, C1, U+2028/2029, the bidi controls (U+061C, U+200E/F, U+202A-E, U+2066-9) and U+FEFF raw; those are escaped too (\u009b is still the same string to any
 * JSON parser, but no longer a terminal control sequence when the output is shown on a terminal).
 */
import type { Report } from '../engine/types';
import type { Renderer } from './types';
import { asList } from './describe';

const RAW_IN_JSON = /[\u007f-\u009f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Always one envelope, whatever the number of matches, so a script can rely on `.reports[]`
 * (before, one match printed a bare report and several an array: docs/json-output.md).
 */
export interface ReportEnvelope {
  schema: Report['schema'];
  reports: Report[];
}

export const envelope = (report: Report | Report[]): ReportEnvelope => ({
  schema: 'whydied.report/2',
  reports: asList(report),
});

export const renderJson: Renderer = (report) =>
  JSON.stringify(envelope(report), null, 2).replace(
    RAW_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  ) + '\n';
