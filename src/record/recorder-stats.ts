/**
 * Lost-event accounting for a tracing instance. Two independent signals, both reported, never hidden:
 *  - `CPU:N [LOST M EVENTS]` lines trace_pipe prints (counted by the recorder as it reads);
 *  - per_cpu/cpuN/stats `overrun` (events overwritten before being read) and `dropped events`
 *    (events refused because the buffer was full in non-overwrite mode), summed over CPUs.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface BufferLoss {
  overrun: number;
  dropped: number;
}

export function readBufferLoss(instanceDir: string): BufferLoss {
  const out: BufferLoss = { overrun: 0, dropped: 0 };
  let cpus: string[] = [];
  try {
    cpus = fs.readdirSync(path.join(instanceDir, 'per_cpu'));
  } catch {
    return out;
  }
  for (const cpu of cpus) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(instanceDir, 'per_cpu', cpu, 'stats'), 'utf8');
    } catch {
      continue;
    }
    out.overrun += Number(/^overrun: (\d+)/m.exec(text)?.[1] ?? 0);
    out.dropped += Number(/^dropped events: (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return out;
}

/** Set the per-CPU ring buffer size; returns what the kernel reports afterwards (it may round). */
export function setBufferKb(instanceDir: string, kb: number): number | null {
  const file = path.join(instanceDir, 'buffer_size_kb');
  try {
    fs.writeFileSync(file, String(kb));
  } catch {
    /* keep the default: reported below */
  }
  try {
    const n = parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}
