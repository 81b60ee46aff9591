/**
 * Which state directory a diagnosis reads records from. Live: this process's state dir. Replaying a bundle:
 * the bundle holds whatever the capturing process listed, which depends on ITS environment and uid (a root
 * capture read /var/lib/whydied); asking for the replaying user's dir would read nothing and silently say
 * "no record". So a replay takes the first candidate whose listing the bundle holds (a captured ENOENT
 * counts: the capture looked and found no directory), and says when none was captured.
 */
import * as path from 'path';
import type { Facts } from '../types';
import { stateDir } from './state-dir';

export type RecordsDir = { ok: true; dir: string } | { ok: false; tried: string[] };

/** The state dirs a capture may have used: $WHYDIED_STATE_DIR, root's, the XDG one. */
function candidateStateDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = [
    ...(env.WHYDIED_STATE_DIR ? [path.resolve(env.WHYDIED_STATE_DIR)] : []),
    stateDir({}, 0),
    stateDir({ ...env, WHYDIED_STATE_DIR: undefined }, -1),
  ];
  return [...new Set(out)];
}

export function recordsDir(facts: Facts, env: NodeJS.ProcessEnv = process.env): RecordsDir {
  if (facts.raw.kind !== 'bundle') return { ok: true, dir: stateDir(env) };
  const tried = candidateStateDirs(env);
  for (const dir of tried) {
    const listing = facts.raw.listDir(dir);
    if (listing.ok || listing.code !== 'NOTCAPTURED') return { ok: true, dir };
  }
  return { ok: false, tried };
}
