/** /proc/PID/cgroup parser: v1 `N:ctrl,ctrl:/path`, v2 `0::/path` (both in hybrid setups). */
import type { CgroupEntry } from './types';

export function parseCgroupFile(text: string): CgroupEntry[] {
  if (typeof text !== 'string') return [];
  const out: CgroupEntry[] = [];
  for (const line of text.split('\n')) {
    // The path may itself contain ':', so split only on the first two.
    const first = line.indexOf(':');
    if (first <= 0) continue;
    const second = line.indexOf(':', first + 1);
    if (second < 0) continue;
    const idText = line.slice(0, first);
    if (!/^\d+$/.test(idText)) continue;
    const path = line.slice(second + 1);
    if (!path.startsWith('/')) continue;
    const ctrl = line.slice(first + 1, second);
    out.push({ hierarchy: Number(idText), controllers: ctrl === '' ? [] : ctrl.split(','), path });
  }
  return out;
}
