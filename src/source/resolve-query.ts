/** Turn what the user typed (`1234`, `:8080`, `nginx`) into pids. */
import type { Facts } from './types';

export type ResolvedQuery =
  | { kind: 'pid'; pid: number }
  | { kind: 'port'; port: number; pids: number[] }
  | { kind: 'name'; name: string; pids: number[] };

/** Invalid target text; the message is one line fit for stderr (exit 2). */
export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

const show = (q: string): string => JSON.stringify(q);

export function resolveQuery(query: string, facts: Facts): ResolvedQuery {
  if (query.trim() === '') throw new QueryError('empty target: give a PID, :PORT or a process name');

  if (query.startsWith(':')) {
    const digits = query.slice(1);
    if (!/^\d{1,5}$/.test(digits) || Number(digits) < 1 || Number(digits) > 65535) {
      throw new QueryError(`invalid port in ${show(query)}: expected :1-65535`);
    }
    const port = Number(digits);
    const pids = new Set<number>();
    for (const l of facts.tcpListeners()) {
      if (l.port === port) for (const pid of facts.socketHolders(l.inode)) pids.add(pid);
    }
    return { kind: 'port', port, pids: newestFirst([...pids], facts) };
  }

  if (/^\d+$/.test(query)) {
    const pid = Number(query);
    if (pid === 0) throw new QueryError('0 is not a process id');
    const max = facts.host().pidMax;
    if (pid > max) throw new QueryError(`${query} is above pid_max (${max}): not a process id`);
    return { kind: 'pid', pid };
  }

  // Anything else is a name (login shells are `-bash`, so a leading '-' is a name too). Never whydied itself.
  const self = process.pid;
  const pids = facts.processesNamed(query).filter((pid) => pid !== self);
  return { kind: 'name', name: query, pids: newestFirst(pids, facts) };
}

/** Newest start first; the higher pid breaks ties (same clock tick). */
function newestFirst(pids: number[], facts: Facts): number[] {
  const start = (pid: number): number => {
    const s = facts.stat(pid);
    return s.ok ? s.value.startTime : -1;
  };
  return [...pids].sort((a, b) => start(b) - start(a) || b - a);
}
