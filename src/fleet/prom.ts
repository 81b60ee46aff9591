/**
 * Prometheus metrics in the node-exporter textfile format: deaths by cause, signal, comm and service
 * (src/fleet/service.ts: the container, unit or slice), plus recorder health. Label cardinality is bounded:
 * the first MAX_COMMS distinct (comm, service) pairs get series of their own, every later one is counted
 * under comm="other", service="other" (a fork bomb of random names must not blow up a TSDB). The alert
 * rules in deploy/prometheus/ read these names (their promtool tests use this renderer's output).
 * Rendering is pure; the sink writes the file atomically (temp + rename, link-safe) through safe-write.
 */
import * as path from 'path';
import { safeWriteFile } from '../source/safe-write';
import type { DeathEvent } from './death-event';
import { serviceOf } from './service';

const MAX_COMMS = 50;
const PROM_FILE = 'whydied.prom';

export interface Health {
  events: number;
  lost: number;
  lagSeconds: number;
  /** Deaths the --on-death hook never ran for (hooks too slow, queue full): 0 without a hook. */
  hooksDropped: number;
}

/** A label value as the exposition format requires: \\, " and newline escaped; controls made visible. */
export function labelValue(s: string): string {
  return (
    s
      .replace(/\\/g, '\\\\')
      .replace(/"/g, '\\"')
      .replace(/\n/g, '\\n')
      // Other control and bidi characters are process data nobody should have to see raw in a dashboard.
      // (and a name byte that is not UTF-8, a lone U+DC80..U+DCFF: src/util/name-bytes.ts)
      .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\udc80-\udcff]/gu, '?')
  );
}

export class DeathCounters {
  private readonly counts = new Map<string, number>();
  private readonly comms = new Set<string>();

  constructor(private readonly maxComms = MAX_COMMS) {}

  add(e: DeathEvent): void {
    let comm = e.comm;
    let service = serviceOf({ containerName: e.container?.name ?? null, cgroup: e.cgroup, comm: e.comm });
    const pair = JSON.stringify([comm, service]);
    if (!this.comms.has(pair)) {
      if (this.comms.size < this.maxComms) this.comms.add(pair);
      else comm = service = 'other';
    }
    const key = JSON.stringify([e.cause.kind, e.cause.signal ?? '', comm, service]);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  render(h: Health): string {
    const lines = [
      '# HELP whydied_deaths_total Processes that ended other than by exit(0), by cause, signal, comm and service (capped; the rest is "other").',
      '# TYPE whydied_deaths_total counter',
    ];
    for (const [key, n] of [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const [cause, signal, comm, service] = JSON.parse(key) as [string, string, string, string];
      lines.push(
        `whydied_deaths_total{cause="${labelValue(cause)}",signal="${labelValue(signal)}",comm="${labelValue(comm)}",service="${labelValue(service)}"} ${n}`,
      );
    }
    lines.push(
      '# HELP whydied_recorder_events_total Process exits the recorder handled.',
      '# TYPE whydied_recorder_events_total counter',
      `whydied_recorder_events_total ${h.events}`,
      '# HELP whydied_recorder_lost_events_total Trace events lost (trace_pipe, ring buffer overrun and drops).',
      '# TYPE whydied_recorder_lost_events_total counter',
      `whydied_recorder_lost_events_total ${h.lost}`,
      '# HELP whydied_recorder_lag_seconds Largest delay between a death and its handling since the last write.',
      '# TYPE whydied_recorder_lag_seconds gauge',
      `whydied_recorder_lag_seconds ${h.lagSeconds.toFixed(3)}`,
      '# HELP whydied_recorder_hook_dropped_total Deaths the --on-death hook was not run for (hooks too slow: the queue was full).',
      '# TYPE whydied_recorder_hook_dropped_total counter',
      `whydied_recorder_hook_dropped_total ${h.hooksDropped}`,
      '',
    );
    return lines.join('\n');
  }
}

export function writeTextfile(dir: string, text: string): void {
  // 0644: node-exporter runs as another user and must read it.
  safeWriteFile(path.join(dir, PROM_FILE), text, { mode: 0o644, role: 'textfile collector' });
}
