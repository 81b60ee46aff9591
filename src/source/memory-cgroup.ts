/** Memory limit and usage of a process's cgroup, v1 (memory controller) or v2 (unified). */
import { fail, ok } from './types';
import type { CgroupEntry, MemoryCgroup, Read } from './types';

/** v1 reports "no limit" as a page-rounded LONG_MAX; anything this large is unlimited. */
const V1_UNLIMITED = 1n << 62n;

function bytes(r: Read<string>, unlimited: (t: string) => boolean): number | null {
  if (!r.ok) return null;
  const t = r.value.trim();
  if (unlimited(t) || !/^\d+$/.test(t)) return null;
  return Number(t);
}

function limitBytesOrNull(r: Read<string>, unlimited: (t: string) => boolean): number | null {
  return r.ok ? bytes(r, unlimited) : null;
}

const join = (base: string, path: string): string => (path === '/' ? base : `${base}${path}`);

/**
 * Prefer the v1 memory controller when a process has one (hybrid systems list a v2 `0::` entry that
 * carries no memory controller). v2 files live under /sys/fs/cgroup, or /sys/fs/cgroup/unified in
 * hybrid mode.
 */
export function readMemoryCgroup(groups: CgroupEntry[], text: (path: string) => Read<string>): Read<MemoryCgroup> {
  const v1 = groups.find((g) => g.controllers.includes('memory'));
  if (v1) {
    const base = join('/sys/fs/cgroup/memory', v1.path);
    const limit = text(`${base}/memory.limit_in_bytes`);
    if (!limit.ok) return limit;
    const isUnlimited = (t: string): boolean => /^\d+$/.test(t) && BigInt(t) >= V1_UNLIMITED;
    return ok({
      path: v1.path,
      limitBytes: bytes(limit, isUnlimited),
      usageBytes: bytes(text(`${base}/memory.usage_in_bytes`), () => false),
      version: 1,
      dir: base,
      memswLimitBytes: limitBytesOrNull(text(`${base}/memory.memsw.limit_in_bytes`), isUnlimited),
    });
  }
  const v2 = groups.find((g) => g.hierarchy === 0 && g.controllers.length === 0);
  if (!v2) return fail('ENOENT', 'no memory cgroup in /proc/PID/cgroup');
  let firstError: Read<MemoryCgroup> | null = null;
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    const base = join(root, v2.path);
    const limit = text(`${base}/memory.max`);
    if (!limit.ok) {
      firstError = firstError ?? limit;
      continue;
    }
    return ok({
      path: v2.path,
      limitBytes: bytes(limit, (t) => t === 'max'),
      usageBytes: bytes(text(`${base}/memory.current`), () => false),
      version: 2,
      dir: base,
    });
  }
  // The v2 root cgroup has no memory.max: it is unlimited by definition.
  if (v2.path === '/') return ok({ path: '/', limitBytes: null, usageBytes: null, version: 2, dir: '/sys/fs/cgroup' });
  return firstError ?? fail('ENOENT', 'memory.max not found');
}
