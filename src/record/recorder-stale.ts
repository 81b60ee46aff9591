/**
 * Instances whose owner is a zombie. removeStaleInstances() (src/source/trace/tracefs.ts) treats any pid
 * that kill(pid, 0) reaches as alive, and a zombie is reachable: a recorder killed with SIGKILL whose parent
 * has not reaped it yet would keep its instance (and its kernel buffer, 8 MB per CPU) until then.
 * A zombie runs no code: its instance can never be removed by its owner, so it is removed here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ownerOfInstance, removeInstanceDir } from '../source/trace/tracefs';
import { procState } from '../watch/identity';

export function removeZombieOwnedInstances(root: string): string[] {
  const dir = path.join(root, 'instances');
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = ownerOfInstance(name);
    if (owner === null || owner === process.pid) continue;
    const state = procState(owner);
    if ((state === 'Z' || state === 'X') && removeInstanceDir(path.join(dir, name))) removed.push(name);
  }
  return removed;
}
