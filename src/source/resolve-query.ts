/** Turn what the user typed (`1234`, `:8080`, `nginx`) into pids. */
import type { Facts } from './types';
import { parseArgv0 } from './parse-host';

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

function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

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

  // Anything else is a name (login shells are `-bash`, so a leading '-' is a name too).
  const self = process.pid;
  const pids: number[] = [];
  const table = facts.processTable();
  // argv[0] is read only where comm does not already match: in one batch.
  facts.readAhead(
    'cmdline',
    table.filter((s) => s.pid !== self && s.comm !== query).map((s) => s.pid),
  );
  for (const s of table) {
    if (s.pid === self) continue;
    if (s.comm === query) {
      pids.push(s.pid);
      continue;
    }
    const cmdline = facts.text(`/proc/${s.pid}/cmdline`);
    const argv0 = cmdline.ok ? parseArgv0(cmdline.value) : null;
    if (argv0 !== null && (argv0 === query || basename(argv0) === query)) pids.push(s.pid);
  }
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
