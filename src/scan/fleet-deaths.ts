/**
 * `whydied scan --deaths`: one view over the deaths many hosts' recorders published (whydied.death/1), by
 * service, host, cause and time - "api died 14 times on 3 hosts in the last hour: 12 OOM kills (memcg
 * api.slice), 2 SIGTERM by kubelet". Pure: parsed deaths and a clock in, a summary out.
 *
 * A death's service: src/fleet/service.ts (the textfile's `service` label is the same). Causes are grouped by what an operator acts on: OOM kills by
 * memory cgroup, signals by signal and sender, exits by code.
 */
import type { FleetDeath } from '../fleet/death-lines';
import { serviceOf } from '../fleet/service';

export { serviceOf };

export const FLEET_DEATHS_SCHEMA = 'whydied.fleet-deaths/1';

export interface CauseCount {
  /** `OOM kill (memcg api.slice)`, `SIGTERM by kubelet`, `exit code 1`: the words of the summary, singular. */
  cause: string;
  kind: FleetDeath['kind'];
  signal: string | null;
  sender: string | null;
  exitCode: number | null;
  memcg: string | null;
  count: number;
}

export interface ServiceDeaths {
  service: string;
  deaths: number;
  hosts: Array<{ hostname: string; deaths: number; last: string }>;
  causes: CauseCount[];
  first: string;
  last: string;
  /** The sentence: `api died 14 times on 3 hosts in the last hour: 12 OOM kills (memcg api.slice), ...`. */
  summary: string;
}

export interface FleetDeathsResult {
  schema: typeof FLEET_DEATHS_SCHEMA;
  generatedAt: string;
  since: string | null;
  deaths: number;
  duplicates: number;
  hosts: string[];
  services: ServiceDeaths[];
}

export interface FleetDeathsQuery {
  sinceMs?: number | null;
  /** Only these hosts / services (exact names). */
  host?: string | null;
  service?: string | null;
}

/** The memory cgroup an OOM kill happened in, as the summary names it (its leaf). */
function memcgOf(d: FleetDeath): string | null {
  const parts = (d.cgroup ?? '').split('/').filter(Boolean);
  return parts.length ? parts[parts.length - 1] : null;
}

function causeOf(d: FleetDeath): Omit<CauseCount, 'count'> {
  const base = { kind: d.kind, signal: d.signal, sender: null, exitCode: null, memcg: null };
  switch (d.kind) {
    case 'oom-kill': {
      const memcg = memcgOf(d);
      return { ...base, memcg, cause: `OOM kill${memcg ? ` (memcg ${memcg})` : ''}` };
    }
    case 'segfault':
      return { ...base, cause: `segfault${d.signal ? ` (${d.signal})` : ''}` };
    case 'trap':
      return { ...base, cause: `CPU trap${d.signal ? ` (${d.signal})` : ''}` };
    case 'signal': {
      const kernel = !d.sender || d.sender.pid === 0 || d.mechanism === 'kernel';
      const sender = kernel ? null : (d.sender as { comm: string }).comm;
      return {
        ...base,
        sender,
        cause: `${d.signal ?? 'a signal'} ${sender !== null ? `by ${sender}` : 'from the kernel'}`,
      };
    }
    case 'exit':
      return { ...base, exitCode: d.exitCode, cause: `exit code ${d.exitCode ?? '?'}` };
    default:
      return { ...base, cause: 'unknown cause' };
  }
}

/** `12 OOM kills (memcg api.slice)`, `2 SIGTERM by kubelet`, `1 exit code 3`. */
export function countWords(c: Pick<CauseCount, 'cause' | 'kind' | 'count'>): string {
  if (c.count === 1) return `1 ${c.cause}`;
  const plural = c.cause
    .replace(/^OOM kill/, 'OOM kills')
    .replace(/^segfault/, 'segfaults')
    .replace(/^CPU trap/, 'CPU traps')
    .replace(/^exit code/, 'exits with code');
  return `${c.count} ${plural}`;
}

/** `the last 52 min`, `the last hour`, `the last 3 h`, `the last 2 days`. */
export function spanWords(ms: number): string {
  const min = Math.max(1, Math.ceil(ms / 60000));
  if (min < 60) return `the last ${min} min`;
  const h = Math.ceil(min / 60);
  if (h === 1) return 'the last hour';
  if (h < 48) return `the last ${h} h`;
  return `the last ${Math.ceil(h / 24)} days`;
}

export function summarizeFleetDeaths(
  all: readonly FleetDeath[],
  q: FleetDeathsQuery & { nowMs: number; duplicates?: number; sinceText?: string | null },
): FleetDeathsResult {
  const deaths = all.filter(
    (d) =>
      (q.sinceMs === undefined || q.sinceMs === null || d.timeMs >= q.sinceMs) &&
      (!q.host || d.hostname === q.host) &&
      (!q.service || serviceOf(d) === q.service),
  );
  const bySvc = new Map<string, FleetDeath[]>();
  for (const d of deaths) {
    const s = serviceOf(d);
    const list = bySvc.get(s);
    if (list) list.push(d);
    else bySvc.set(s, [d]);
  }
  const services: ServiceDeaths[] = [];
  for (const [service, list] of bySvc) {
    const hosts = new Map<string, { deaths: number; lastMs: number }>();
    const causes = new Map<string, CauseCount>();
    let first = Infinity;
    let last = -Infinity;
    for (const d of list) {
      const h = hosts.get(d.hostname) ?? { deaths: 0, lastMs: -Infinity };
      h.deaths++;
      h.lastMs = Math.max(h.lastMs, d.timeMs);
      hosts.set(d.hostname, h);
      const c = causeOf(d);
      const have = causes.get(c.cause);
      if (have) have.count++;
      else causes.set(c.cause, { ...c, count: 1 });
      first = Math.min(first, d.timeMs);
      last = Math.max(last, d.timeMs);
    }
    const causeList = [...causes.values()].sort((a, b) => b.count - a.count || (a.cause < b.cause ? -1 : 1));
    const window = q.sinceMs !== undefined && q.sinceMs !== null ? q.nowMs - q.sinceMs : q.nowMs - first;
    const n = list.length;
    const summary =
      `${service} died ${n === 1 ? 'once' : `${n} times`} on ${hosts.size} host${hosts.size === 1 ? '' : 's'} ` +
      `in ${spanWords(window)}: ${causeList.map(countWords).join(', ')}`;
    services.push({
      service,
      deaths: n,
      hosts: [...hosts]
        .map(([hostname, h]) => ({ hostname, deaths: h.deaths, last: new Date(h.lastMs).toISOString() }))
        .sort((a, b) => b.deaths - a.deaths || (a.hostname < b.hostname ? -1 : 1)),
      causes: causeList,
      first: new Date(first).toISOString(),
      last: new Date(last).toISOString(),
      summary,
    });
  }
  services.sort((a, b) => b.deaths - a.deaths || (a.service < b.service ? -1 : 1));
  return {
    schema: FLEET_DEATHS_SCHEMA,
    generatedAt: new Date(q.nowMs).toISOString(),
    since: q.sinceMs === undefined || q.sinceMs === null ? null : new Date(q.sinceMs).toISOString(),
    deaths: deaths.length,
    duplicates: q.duplicates ?? 0,
    hosts: [...new Set(deaths.map((d) => d.hostname))].sort(),
    services,
  };
}
