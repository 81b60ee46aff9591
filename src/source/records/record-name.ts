/**
 * Does a record answer to a name the user typed? Its comm, its argv[0] basename, or the `--name` a launch
 * sentinel wrote (`whydied launch --name web -- python3 app.py` records comm `python3`; the user asks for
 * `web`). Shared by the dead-target finder and the `records` check so both find the same records.
 */
import * as path from 'path';
import type { DeathRecord } from './types';

/** The launch name, when the record has one (records are read back from disk: check the type). */
export function launchName(r: DeathRecord): string | null {
  const n = (r.launch as { name?: unknown } | undefined)?.name;
  return typeof n === 'string' ? n : null;
}

export function recordMatchesName(r: DeathRecord, name: string): boolean {
  return r.comm === name || path.basename(r.argvHead[0] ?? '') === name || launchName(r) === name;
}
