/**
 * The launch registry: `whydied launch --name web -- python3 app.py` writes `launched/web.json` in the state
 * dir as soon as the command runs, so `whydied web` finds the process while it is alive (its comm is
 * `python3`, not `web`). After it dies the sentinel's record explains it; the entry then still names the
 * pid + start time, which the engine de-duplicates against the record.
 */
import * as path from 'path';
import type { DeadTarget, DeadTargetFinder } from '../source/dead-target';
import type { RecordIdentity } from '../source/records/types';
import { recordsDir } from '../source/records/records-dir';
import { ensureStateDir } from '../source/records/state-dir';
import { safeWriteFile } from '../source/safe-write';

export interface LaunchEntry {
  v: 1;
  name: string;
  pid: number;
  startTime: number;
  bootId: string;
  comm: string;
  log: string;
  sentinel: number;
  launchedAt: string;
}

const SUBDIR = 'launched';

/** A name as a file name: the launch name is already restricted to [A-Za-z0-9._-]. */
function fileFor(dir: string, name: string): string {
  return path.join(dir, SUBDIR, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

export function writeLaunchEntry(
  stateDir: string,
  e: { name: string; log: string; sentinel: number },
  id: RecordIdentity,
): void {
  const entry: LaunchEntry = {
    v: 1,
    name: e.name,
    pid: id.pid,
    startTime: id.startTime,
    bootId: id.bootId,
    comm: id.comm,
    log: e.log,
    sentinel: e.sentinel,
    launchedAt: new Date().toISOString(),
  };
  const file = fileFor(stateDir, e.name);
  ensureStateDir(stateDir);
  // A fresh name then rename (safeWriteFile): a diagnosis never reads half an entry, and no planted link is followed.
  safeWriteFile(file, JSON.stringify(entry) + '\n', { role: 'launch registry', createDir: true });
}

function parseEntry(text: string): LaunchEntry | null {
  try {
    const v = JSON.parse(text) as Partial<LaunchEntry>;
    if (
      v.v !== 1 ||
      typeof v.name !== 'string' ||
      !Number.isInteger(v.pid) ||
      !Number.isInteger(v.startTime) ||
      typeof v.bootId !== 'string'
    )
      return null;
    return v as LaunchEntry;
  } catch {
    return null;
  }
}

/** Targets launched under `name` in this boot (alive or not: the engine diagnoses whichever it is). */
export const launchedTargets: DeadTargetFinder = (name, facts) => {
  const where = recordsDir(facts);
  if (!where.ok) return [];
  const text = facts.text(fileFor(where.dir, name));
  if (!text.ok) return [];
  const e = parseEntry(text.value);
  if (!e || e.name !== name || e.bootId !== facts.host().bootId) return [];
  const t = Date.parse(e.launchedAt);
  const out: DeadTarget = { pid: e.pid, startTime: e.startTime, name: e.comm, timeMs: Number.isFinite(t) ? t : null };
  return [out];
};
