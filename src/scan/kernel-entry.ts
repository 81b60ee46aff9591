/** One kernel-log death as a `whydied scan` entry (kept out of scan.ts, which other sources share). */
import { UNKNOWN_SIGNAL, type Death } from '../source/kernel-log/types';
import { formatWall } from '../source/kernel-log/wall-time';
import type { ScanEntry } from './entry';

function what(d: Death): string {
  switch (d.kind) {
    case 'oom-kill':
      return d.details.scope === 'memcg'
        ? 'OOM kill, memory cgroup limit (SIGKILL from the kernel)'
        : d.details.scope === 'system'
          ? 'OOM kill, machine out of memory (SIGKILL from the kernel)'
          : 'OOM kill (SIGKILL from the kernel)';
    case 'segfault':
      return `segfault (${d.signal})`;
    case 'trap':
      return `CPU trap (${d.signal})`;
    case 'signal':
      if (d.details.reason === 'kernel-oops')
        return `kernel oops: a kernel bug during its system call (${d.signal} from the kernel)`;
      if (d.details.reason === 'hardware-memory-error') return `hardware memory error (${d.signal} from the kernel)`;
      if (typeof d.details.killer === 'string') return `${d.signal} from ${d.details.killer}`;
      if (d.details.coredump === true)
        return d.signal === UNKNOWN_SIGNAL
          ? 'dumped core (systemd-coredump)'
          : `${d.signal}, dumped core (systemd-coredump)`;
      if (typeof d.details.upstartJob === 'string') return `${d.signal} (upstart's report)`;
      return `${d.signal} (kernel)`;
  }
}

export function kernelEntry(d: Death): ScanEntry {
  const e: ScanEntry = {
    timeMs: d.timeMs,
    pid: d.pid,
    name: d.comm,
    kind: d.kind,
    ...(d.signal !== UNKNOWN_SIGNAL ? { signal: d.signal } : {}),
    what: what(d),
    source: 'kernel-log',
    confidence: 'likely',
    alsoIn: [],
  };
  if (d.wall) e.logTime = formatWall(d.wall);
  if (d.uptimeSec !== undefined && d.uptimeSec !== null) e.uptimeSec = d.uptimeSec;
  if (d.kind === 'oom-kill')
    e.scope = d.details.scope === 'memcg' || d.details.scope === 'system' ? d.details.scope : null;
  return e;
}
