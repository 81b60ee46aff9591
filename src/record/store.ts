/**
 * The record store: JSON lines in the state directory, `records.jsonl` plus one rotated `records.1.jsonl`.
 * Bounded: when the current file would pass the cap it is renamed over the rotated one, so the store never
 * holds more than about twice the cap. Files are 0600. Reading is pure over injected readers so the
 * `records` check can read through ctx.facts (live or bundle) and never touches fs itself.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Read } from '../source/types';
import type { DeathRecord } from './types';
import { ensureStateDir, stateDir } from './state-dir';

export type { DeathRecord, RecordIdentity } from './types';

export const RECORDS_FILE = 'records.jsonl';
export const ROTATED_FILE = 'records.1.jsonl';
export const DEFAULT_CAP_BYTES = 8 * 1024 * 1024;

export interface SaveOptions {
  dir?: string;
  capBytes?: number;
}

/** Append one record (creating the dir 0700 and the file 0600); rotates first when the cap would be passed. */
export function saveRecord(rec: DeathRecord, opts: SaveOptions = {}): string {
  const dir = ensureStateDir(opts.dir ?? stateDir());
  const cap = opts.capBytes ?? DEFAULT_CAP_BYTES;
  const file = path.join(dir, RECORDS_FILE);
  const line = JSON.stringify(rec) + '\n';
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    /* no file yet */
  }
  if (size > 0 && size + Buffer.byteLength(line) > cap) fs.renameSync(file, path.join(dir, ROTATED_FILE));
  // O_APPEND: several watchers may append concurrently; one write of a whole line stays a whole line.
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  try {
    // A writer killed mid-line leaves a torn tail: start on a fresh line so this record survives it.
    const end = fs.fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const torn = end > 0 && fs.readSync(fd, last, 0, 1, end - 1) === 1 && last[0] !== 0x0a;
    fs.writeSync(fd, torn ? '\n' + line : line);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

function isRecord(v: unknown): v is DeathRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    r.v === 1 &&
    typeof r.pid === 'number' &&
    typeof r.startTime === 'number' &&
    typeof r.bootId === 'string' &&
    typeof r.comm === 'string' &&
    typeof r.cause === 'object' &&
    r.cause !== null &&
    typeof r.seenAt === 'string'
  );
}

/** Parse JSON lines, skipping torn or foreign lines (a crash mid-append must not hide every other record). */
export function parseRecords(text: string): DeathRecord[] {
  const out: DeathRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isRecord(v)) out.push(v);
    } catch {
      /* torn line */
    }
  }
  return out;
}

/** Every record in `dir`, oldest first (rotated file, then current). */
export function readRecords(
  listDir: (p: string) => Read<string[]>,
  readText: (p: string) => Read<string>,
  dir: string,
): DeathRecord[] {
  const names = listDir(dir);
  if (!names.ok) return [];
  const out: DeathRecord[] = [];
  for (const name of [ROTATED_FILE, RECORDS_FILE]) {
    if (!names.value.includes(name)) continue;
    const text = readText(path.join(dir, name));
    if (text.ok) out.push(...parseRecords(text.value));
  }
  return out;
}
