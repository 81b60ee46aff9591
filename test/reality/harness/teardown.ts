/**
 * One teardown list for everything the reality harness sets up (daemons, temp dirs, cgroups, namespaces,
 * multiplexer servers). Each setup registers its undo as soon as the thing exists, so a test that throws
 * midway still leaves nothing behind: test files call `teardownAll()` (and cleanupProcesses) in afterAll.
 */
import { randomBytes } from 'crypto';

type Undo = () => void | Promise<void>;

const undos = new Map<number, { what: string; undo: Undo }>();
let next = 0;

/** Register an undo; returns a function that runs it now (once) and unregisters it. */
export function onTeardown(what: string, undo: Undo): () => Promise<void> {
  const id = next++;
  undos.set(id, { what, undo });
  return async () => {
    const entry = undos.get(id);
    if (!entry) return;
    undos.delete(id);
    await entry.undo();
  };
}

/** Run every pending undo, newest first; one failing undo does not stop the others. Returns the failures. */
export async function teardownAll(): Promise<string[]> {
  const failures: string[] = [];
  for (const id of [...undos.keys()].reverse()) {
    const entry = undos.get(id);
    undos.delete(id);
    if (!entry) continue;
    try {
      await entry.undo();
    } catch (e) {
      failures.push(`${entry.what}: ${(e as Error).message}`);
    }
  }
  return failures;
}

/** A name unique to this run and call (test pid + random), for cgroups, sockets and sessions. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
