/**
 * One kernel oops report -> the death of the task it ran for (parse-oops.ts cites the kernel sources).
 * The task did nothing wrong itself: the kernel hit a bug while working for it (a system call, a page
 * fault it was serving), and kernel/exit.c make_task_dead ended it with the die path's signal. The cause
 * stays the existing kind `signal`, sent by the kernel, with `reason: 'kernel-oops'` in its details.
 */
import { escapeControl } from '../../util/escape';
import type { Death, DeathDetails, KernelEvent, LocatedEvent } from './types';

export interface OopsDraft {
  header: LocatedEvent;
  /** The `BUG: ...` / `Unable to handle kernel ...` line printed just before the header. */
  cause: LocatedEvent | null;
  /** The first task line after the header. */
  task: LocatedEvent | null;
  /** The first kernel-mode instruction pointer after the header (`RIP: 0010:...`, `pc : ...`). */
  where?: LocatedEvent | null;
}

/** Kernel text kept in evidence: printable and bounded (the header names kernel symbols, never user text). */
const clean = (s: string): string => escapeControl(s).slice(0, 200);

/** The death an oops caused, or null when it names no task (pid 0: the idle task, so an interrupt). */
export function oopsDeath(o: OopsDraft): Death | null {
  const h = o.header.event as Extract<KernelEvent, { type: 'oops-header' }>;
  const taskEvent = o.task?.event;
  if (!o.task || !taskEvent || taskEvent.type !== 'stack-task' || !(taskEvent.pid > 0)) return null;
  const d: DeathDetails = { reason: 'kernel-oops', kernelSent: true, arch: h.arch };
  // A report whose die header is not in the log (only its task line was kept): no header, no count.
  if (h.header !== '') {
    d.oops = clean(h.header);
    d.dieCount = h.dieCount;
  }
  if (o.cause && o.cause.event.type === 'oops-cause') d.oopsCause = clean(o.cause.event.text);
  if (taskEvent.tainted) d.tainted = clean(taskEvent.tainted);
  if (taskEvent.release) d.kernelRelease = clean(taskEvent.release);
  const where = o.where?.event;
  if (where && where.type === 'oops-where') {
    d.oopsIn = clean(where.symbol);
    if (where.module) d.oopsModule = clean(where.module);
  }
  const at = o.task.record;
  return {
    pid: taskEvent.pid,
    comm: taskEvent.comm,
    kind: 'signal',
    wall: at.wall ?? null,
    uptimeSec: at.uptimeSec ?? null,
    timeMs: at.timeMs ?? o.header.record.timeMs,
    signal: h.signal,
    boot: at.boot,
    details: d,
    raw: [...(o.cause ? [o.cause.record.message] : []), o.header.record.message, at.message],
  };
}
