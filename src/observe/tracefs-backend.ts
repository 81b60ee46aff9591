/**
 * The tracefs backend (root): a private instance whose events are filtered in the kernel to the watched
 * processes, so the targets are not slowed and nothing else on the machine is recorded.
 *
 *  - signal/signal_generate  `pid == victim`        the sender is the generating task (SIGKILL included)
 *  - sched/sched_process_exit `pid == victim`       the end (group_dead on 6.x)
 *  - syscalls/sys_enter_exit_group `common_pid == each thread` the exit code
 *  - syscalls/sys_enter_kill `pid == victim || pid == -pgid || pid == 0 || pid == -1` group-directed or not
 *  - syscalls/sys_enter_tgkill `tgid == victim`
 *  - oom/mark_victim `pid == victim`
 *  - task/task_rename (unfiltered: the sender is not known in advance; one line per exec on the machine)
 *    the sender's name at the time it sent (see src/source/trace/task-names.ts)
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  createInstance,
  ensureTracefs,
  pidEquals,
  removeStaleInstances,
  syscallArgLiteral,
  TraceInstance,
} from '../source/trace/tracefs';
import type { KillEvent, TgkillEvent, TraceEvent } from '../source/trace/parse';
import { openTraceEvents } from '../source/trace/event-reader';
import { TaskNames } from '../source/trace/task-names';
import { callBehind, DeathTracker } from './derive';
import { isRunning, readIdentity, taskOwner, threadIds, tracerPidOf } from '../source/process-identity';
import type { BackendOutcome, BackendRun, WatchedTarget } from './types';

const SAFETY_POLL_MS = 250;

function monoToWall(): (tsSec: number) => number {
  // trace_clock=mono is CLOCK_MONOTONIC, the clock process.hrtime reads: one offset maps it to wall time.
  const offset = Date.now() - Number(process.hrtime.bigint() / 1000000n);
  return (ts) => ts * 1000 + offset;
}

function setClock(inst: TraceInstance): boolean {
  try {
    fs.writeFileSync(path.join(inst.dir, 'trace_clock'), 'mono');
    return true;
  } catch {
    return false;
  }
}

/**
 * Update a watched target's identity after its rename: re-read comm and argv while it is still the same
 * process (same start time); when it is already gone, at least the new name from the event is known.
 */
function refreshIdentity(t: WatchedTarget, newComm: string): void {
  const now = isRunning(t.pid) ? readIdentity(t.pid) : null;
  if (now && now.startTime === t.identity.startTime)
    t.identity = { ...t.identity, comm: now.comm, argvHead: now.argvHead };
  else t.identity = { ...t.identity, comm: newComm };
}

export function startTracefsBackend(targets: WatchedTarget[]): BackendRun {
  const root = ensureTracefs();
  removeStaleInstances(root);
  const inst = createInstance('whydied', root);
  try {
    return run(inst, targets);
  } catch (e) {
    inst.remove();
    throw e;
  }
}

function run(inst: TraceInstance, targets: WatchedTarget[]): BackendRun {
  const pids = targets.map((t) => t.pid);
  // Every syscall that could aim a signal at a target is traced below (kill of it, its group, 0, -1;
  // tgkill of it): a signal with none behind it was sent by the kernel on someone's behalf.
  const trackers = new Map(
    targets.map((t) => [
      t.pid,
      new DeathTracker(t.pid, {
        ppid: t.identity.ppid,
        pgid: t.identity.pgid,
        sid: t.identity.sid,
        syscallsTraced: true,
        tracer: tracerPidOf(t.pid),
      }),
    ]),
  );
  const tidToPid = new Map<number, number>();
  for (const p of pids) for (const tid of threadIds(p)) tidToPid.set(tid, p);
  const pgids = [...new Set(targets.map((t) => t.identity.pgid).filter((g) => g > 1))];
  const lastKill = new Map<number, KillEvent | TgkillEvent>();
  const lastPidfd = new Map<number, number>();
  const names = new TaskNames();
  const byPid = new Map(targets.map((t) => [t.pid, t]));

  const toWall = setClock(inst) ? monoToWall() : () => Date.now();

  // Before signal_generate: a rename is never missed for a signal already in the buffer.
  inst.enable('task/task_rename');
  inst.enable('signal/signal_generate', pidEquals('pid', pids));
  inst.enable('sched/sched_process_exit', pidEquals('pid', pids));
  inst.enable('syscalls/sys_enter_exit_group', pidEquals('common_pid', [...tidToPid.keys()]));
  const killTargets = [...pids, ...pgids.map((g) => syscallArgLiteral(-g)), 0, syscallArgLiteral(-1)];
  inst.enable('syscalls/sys_enter_kill', `(${pidEquals('pid', killTargets)}) && sig != 0`);
  inst.enable('syscalls/sys_enter_tgkill', `(${pidEquals('tgid', pids)}) && sig != 0`);
  try {
    inst.enable('syscalls/sys_enter_pidfd_send_signal', 'sig != 0');
  } catch {
    /* kernels before 5.1 have no pidfd_send_signal: nothing to trace */
  }
  try {
    inst.enable('oom/mark_victim', pidEquals('pid', pids));
  } catch {
    /* older kernels: OOM kills still show as a kernel SIGKILL */
  }

  let resolve: (m: Map<number, BackendOutcome>) => void = () => undefined;
  const done = new Promise<Map<number, BackendOutcome>>((r) => (resolve = r));
  let finished = false;

  const onEvent = (ev: TraceEvent): void => {
    switch (ev.event) {
      case 'sys_kill':
      case 'sys_tgkill':
        // Remember per sender: the signal_generate lines that follow in the same task belong to this call.
        lastKill.set(ev.taskPid, ev);
        return;
      case 'sys_pidfd_send_signal':
        lastPidfd.set(ev.taskPid, ev.sig);
        return;
      case 'signal_generate': {
        const t = trackers.get(ev.pid);
        if (!t || t.ended) return;
        const pidfd = lastPidfd.get(ev.taskPid);
        // The sender's last kill/tgkill when aimed at this process; else a pidfd_send_signal by the same task
        // with the same signal (its target is an fd): a kill() of it. The recorder matches the same way.
        const kill =
          callBehind(lastKill.get(ev.taskPid), ev, ev.pid, byPid.get(ev.pid)?.identity.pgid ?? null) ??
          callBehind(
            pidfd === undefined ? undefined : { ...ev, event: 'sys_kill', pid: ev.pid, sig: pidfd },
            ev,
            ev.pid,
            null,
          );
        // Read the sender's uid now, while it is most likely still alive.
        const owner = ev.taskPid > 0 ? taskOwner(ev.taskPid) : null;
        // The tracker keeps this object: a rename read later corrects the sender's name in place.
        const sent = { ...ev };
        sent.taskComm = names.nameAt(ev.taskPid, ev.taskComm, (comm) => (sent.taskComm = comm));
        t.onSignal(sent, kill, { tgid: owner?.tgid ?? null, uid: owner?.uid ?? null }, toWall(ev.ts));
        return;
      }
      case 'task_rename': {
        names.onRename(ev);
        // A watched process exec'd (or renamed itself): report it under the name and argv it has now.
        const w = byPid.get(ev.pid);
        if (w) refreshIdentity(w, ev.newComm);
        return;
      }
      case 'sys_exit_group': {
        const p = tidToPid.get(ev.taskPid);
        if (p !== undefined) trackers.get(p)?.onExitGroup(ev.errorCode, toWall(ev.ts));
        return;
      }
      case 'mark_victim':
        trackers.get(ev.pid)?.onOom(ev, toWall(ev.ts));
        return;
      case 'sched_process_exit': {
        const t = trackers.get(ev.pid);
        if (t && ev.groupDead !== false) t.onEnd(toWall(ev.ts));
        checkDone();
        return;
      }
    }
  };

  // Binary per-CPU records (src/source/trace/raw-reader.ts): no name can spell or hide an event.
  const pipe = openTraceEvents(inst, onEvent);
  inst.start();

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(safety);
    // A sender's exec after its kill may still be unread: its rename names the sender as it was.
    try {
      pipe.drain();
    } catch {
      /* the instance is going anyway */
    }
    const out = new Map<number, BackendOutcome>();
    for (const [pid, t] of trackers) {
      out.set(pid, {
        cause: t.cause('tracefs'),
        signalsSeen: t.signalsSeen,
        endedAt: t.endedAtMs === null ? null : new Date(t.endedAtMs).toISOString(),
        note: t.ended ? undefined : 'still running when the watch stopped',
      });
    }
    inst.remove();
    resolve(out);
  };

  function checkDone(): void {
    if ([...trackers.values()].every((t) => t.ended)) setImmediate(finish);
  }

  // Safety net: a process that died before tracing was on (or whose main thread exited early) is noticed
  // by its /proc entry turning into a zombie or vanishing.
  const safety = setInterval(() => {
    if (finished) return;
    if ([...trackers.keys()].some((p) => !isRunning(p))) {
      pipe.drain();
      for (const [p, t] of trackers) if (!t.ended && !isRunning(p)) t.onEnd(Date.now());
      checkDone();
    }
  }, SAFETY_POLL_MS);

  return {
    done,
    signalsSeen: (pid) => trackers.get(pid)?.signalsSeen ?? 0,
    stop: () => {
      pipe.drain();
      finish();
    },
  };
}
