/** Load a kernel-log fixture: strip the `# ` label line(s), detect the format, scan. */
import * as fs from 'fs';
import * as path from 'path';
import { detectFormat, scanKernelText } from '../../src/source/kernel-log/records';
import { toJournalJsonLines } from '../../src/source/journal/saved-forms';
import { buildIncidents, locateEvents } from '../../src/source/kernel-log/incidents';
import type { KernelRecord } from '../../src/source/kernel-log/types';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/kernel-log');
/** btime of the machine the REAL fixtures were captured on. */
export const CAPTURE_BOOT_MS = 1795288369 * 1000;

export function fixtureText(rel: string): string {
  return fs
    .readFileSync(path.join(FIXTURES, rel), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .join('\n');
}

export function loadFixture(rel: string) {
  // As a saved log given with --kmsg/--journal is read (src/source/saved-evidence-source.ts).
  const text = toJournalJsonLines(fixtureText(rel));
  const format = detectFormat(text);
  const scan = scanKernelText(text, format, {
    bootTimeMs: CAPTURE_BOOT_MS,
    currentBootId: 'b0b0b0b0-0000-0000-0000-000000000000',
  });
  const records: KernelRecord[] = scan.records;
  const events = locateEvents(records);
  return { format, scan, records, events, incidents: buildIncidents(events) };
}

export function allFixtures(): string[] {
  const out: string[] = [];
  for (const dir of ['real', 'written']) {
    for (const f of fs.readdirSync(path.join(FIXTURES, dir))) if (f.endsWith('.txt')) out.push(`${dir}/${f}`);
  }
  return out.sort();
}
