/**
 * Memory of a cgroup v2 process as the kernel accounts it (Documentation/admin-guide/cgroup-v2.rst, "Memory
 * Interface Files"; kernel 6.1): memory.high (reclaim and throttle above it, never a kill), memory.max (the
 * cgroup's OOM killer acts at it), memory.swap.max, memory.events (high, max, oom, oom_kill: counts since the
 * cgroup was made) and PSI memory.pressure (Documentation/accounting/psi.rst: `some`/`full` share of wall time
 * stalled on memory, averaged over 10, 60 and 300 s). Limits apply from every ancestor, and the one that binds
 * is the one with the least room left (mm/memcontrol.c: try_charge_memcg charges every level and reclaims or
 * OOM-kills at the first whose counter would pass memory.max; mem_cgroup_handle_over_high throttles by the
 * ancestor most over its memory.high), not the lowest number: a slice at 990 MiB of 1 GiB binds before its
 * service at 250 MiB of 300 MiB. Reads only what can change the answer: the leaf's use, events and pressure,
 * each ancestor's three limits and, where it sets one, its use.
 */
import type { MemoryCgroup, Read } from './types';

export type Psi = {
  someAvg10: number;
  someAvg60: number;
  fullAvg10: number;
  fullAvg60: number;
};

export type MemoryEvents = {
  high: number;
  max: number;
  oom: number;
  oomKill: number;
};

/** The limit that binds among the cgroup and its ancestors, and the cgroup (path under the mount) that sets it. */
export type LimitAt = {
  bytes: number;
  path: string;
  /** That cgroup's own use (memory.current, or memory.swap.current for swap.max; its whole subtree); null unread. */
  currentBytes?: number | null;
};

export type MemoryV2 = {
  currentBytes: number | null;
  swapCurrentBytes: number | null;
  high: LimitAt | null;
  max: LimitAt | null;
  swapMax: LimitAt | null;
  events: MemoryEvents | null;
  pressure: Psi | null;
  /** /proc/pressure/memory: the whole host. */
  hostPressure: Psi | null;
};

export function parsePsi(text: string): Psi | null {
  const line = (kind: string): { avg10: number; avg60: number } | null => {
    const m = new RegExp(`^${kind} avg10=([\\d.]+) avg60=([\\d.]+)`, 'm').exec(text);
    return m ? { avg10: Number(m[1]), avg60: Number(m[2]) } : null;
  };
  const some = line('some');
  if (!some) return null;
  // `full` is absent from the host's CPU file only; memory files have both.
  const full = line('full') ?? { avg10: 0, avg60: 0 };
  return { someAvg10: some.avg10, someAvg60: some.avg60, fullAvg10: full.avg10, fullAvg60: full.avg60 };
}

export function parseMemoryEvents(text: string): MemoryEvents | null {
  const get = (k: string): number | null => {
    const m = new RegExp(`^${k} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const high = get('high');
  const max = get('max');
  const oom = get('oom');
  const oomKill = get('oom_kill');
  if (high === null || max === null || oom === null || oomKill === null) return null;
  return { high, max, oom, oomKill };
}

const num = (r: Read<string>): number | null => (r.ok && /^\d+$/.test(r.value.trim()) ? Number(r.value.trim()) : null);

/** Directories from the cgroup's own up to (not including) the mount's root, which has no limits. */
function chain(dir: string, path: string): { dir: string; path: string }[] {
  const root = path === '/' ? dir : dir.slice(0, dir.length - path.length);
  const parts = path.split('/').filter(Boolean);
  const out: { dir: string; path: string }[] = [];
  for (let n = parts.length; n > 0; n--) {
    const p = `/${parts.slice(0, n).join('/')}`;
    out.push({ dir: `${root}${p}`, path: p });
  }
  return out;
}

/** Room left under a limit: the limit itself when the use is unknown. */
const room = (l: LimitAt): number => l.bytes - (l.currentBytes ?? 0);

/** The binding one of two: less room left; on a tie the deeper (seen first, the walk goes up). */
function binding(cur: LimitAt | null, next: LimitAt | null): LimitAt | null {
  if (!next) return cur;
  return cur === null || room(next) < room(cur) ? next : cur;
}

export function readMemoryV2(mem: MemoryCgroup, text: (path: string) => Read<string>): MemoryV2 | null {
  if (mem.version !== 2) return null;
  let high: LimitAt | null = null;
  let max: LimitAt | null = null;
  let swapMax: LimitAt | null = null;
  for (const c of chain(mem.dir, mem.path)) {
    const m = num(text(`${c.dir}/memory.max`));
    const h = num(text(`${c.dir}/memory.high`));
    const sw = num(text(`${c.dir}/memory.swap.max`));
    // Use only where a limit is set (one read per limited level).
    const cur = m !== null || h !== null ? num(text(`${c.dir}/memory.current`)) : null;
    max = binding(max, m === null ? null : { bytes: m, path: c.path, currentBytes: cur });
    high = binding(high, h === null ? null : { bytes: h, path: c.path, currentBytes: cur });
    const swCur = sw !== null ? num(text(`${c.dir}/memory.swap.current`)) : null;
    swapMax = binding(swapMax, sw === null ? null : { bytes: sw, path: c.path, currentBytes: swCur });
  }
  const events = text(`${mem.dir}/memory.events`);
  const pressure = text(`${mem.dir}/memory.pressure`);
  const host = text('/proc/pressure/memory');
  return {
    currentBytes: num(text(`${mem.dir}/memory.current`)),
    swapCurrentBytes: num(text(`${mem.dir}/memory.swap.current`)),
    high,
    max,
    swapMax,
    events: events.ok ? parseMemoryEvents(events.value) : null,
    pressure: pressure.ok ? parsePsi(pressure.value) : null,
    hostPressure: host.ok ? parsePsi(host.value) : null,
  };
}

/** PSI of any cgroup directory (the cgroup systemd-oomd watches may be an ancestor). */
export function readPressure(dir: string, text: (path: string) => Read<string>): Psi | null {
  const r = text(`${dir}/memory.pressure`);
  return r.ok ? parsePsi(r.value) : null;
}
