/**
 * The recorder's view of who every live process is, so an exit can be written with the victim's identity
 * even though the process is long gone (reaped) by the time its trace line is read.
 *
 * Sources, cheapest first:
 *  - task_newtask: pid, comm, parent; start time from the event's boot-clock timestamp (the kernel sets
 *    start_boottime a few µs earlier in the same copy_process call, so the clock tick almost always agrees);
 *    pgid, sid, tty and cgroup inherited from the parent (fork copies them).
 *  - sched_process_exec: comm and argv[0] from the filename.
 *  - /proc, never per event: one scan at start, a sweep of processes that lived long enough to be read
 *    (which corrects any field that changed since fork: setsid, setpgid, cgroup moves, the full argv), and
 *    a read at fatal-signal time.
 * `sources` says, per field, where the value came from, and goes into the record.
 */
import { listPids, pidExists, readIdentity, threadIds } from '../source/process-identity';
import type { RecordIdentity } from '../source/records/types';

export type FieldSource = 'proc' | 'trace' | 'inherited' | 'unknown';

export interface IdentitySources {
  startTime: FieldSource;
  comm: FieldSource;
  argvHead: FieldSource;
  ppid: FieldSource;
  /** pgid, sid, tty (fork copies them; setsid/setpgid after fork are only seen by a /proc read). */
  session: FieldSource;
  cgroup: FieldSource;
}

export interface TrackedProcess {
  id: Omit<RecordIdentity, 'bootId'>;
  src: IdentitySources;
  /** Monotonic ms when first seen; the sweep reads /proc only for processes older than a threshold. */
  seenMs: number;
  /** Read from /proc at least once since the last exec. */
  procRead: boolean;
}

const TICKS_PER_SEC = 100;
/** A process younger than this is not worth a /proc read: most short-lived ones are gone already. */
const SWEEP_MIN_AGE_MS = 500;

function fromProc(id: RecordIdentity): TrackedProcess {
  const { bootId: _b, ...rest } = id;
  void _b;
  return {
    id: rest,
    src: { startTime: 'proc', comm: 'proc', argvHead: 'proc', ppid: 'proc', session: 'proc', cgroup: 'proc' },
    seenMs: 0,
    procRead: true,
  };
}

export class ProcessTable {
  readonly procs = new Map<number, TrackedProcess>();
  /** Thread id -> thread-group id, for threads other than the leader. */
  readonly threads = new Map<number, number>();
  /** Thread-group id -> its non-leader threads (so exec and exit forget them without a scan). */
  private readonly groups = new Map<number, Set<number>>();

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  /** One pass over /proc at start: everything that exists before tracing began. */
  scan(): void {
    for (const pid of listPids()) {
      const id = readIdentity(pid);
      if (!id) continue;
      this.procs.set(pid, fromProc(id));
      this.learnThreads(pid);
    }
  }

  private learnThreads(pid: number): void {
    for (const t of threadIds(pid)) if (t !== pid) this.addThread(t, pid);
  }

  private addThread(tid: number, tgid: number): void {
    this.threads.set(tid, tgid);
    let g = this.groups.get(tgid);
    if (!g) this.groups.set(tgid, (g = new Set()));
    g.add(tid);
  }

  private forgetThreads(tgid: number): void {
    const g = this.groups.get(tgid);
    if (!g) return;
    for (const tid of g) this.threads.delete(tid);
    this.groups.delete(tgid);
  }

  tgidOf(tid: number): number {
    return this.threads.get(tid) ?? tid;
  }

  onNewTask(parentTid: number, pid: number, comm: string, thread: boolean, tsUs: number): void {
    const parent = this.tgidOf(parentTid);
    if (thread) {
      this.addThread(pid, parent);
      return;
    }
    const p = this.procs.get(parent);
    const inherited: FieldSource = p ? 'inherited' : 'unknown';
    this.procs.set(pid, {
      id: {
        pid,
        // /proc/PID/stat start time is start_boottime in clock ticks; the instance clock is the boot clock.
        startTime: Math.floor(tsUs / (1e6 / TICKS_PER_SEC)),
        comm,
        argvHead: p ? p.id.argvHead : [],
        ppid: parent,
        pgid: p ? p.id.pgid : -1,
        sid: p ? p.id.sid : -1,
        tty: p ? p.id.tty : null,
        cgroup: p ? p.id.cgroup : null,
      },
      src: {
        startTime: 'trace',
        comm: 'trace',
        argvHead: inherited,
        ppid: 'trace',
        session: inherited,
        cgroup: inherited,
      },
      seenMs: this.nowMs(),
      procRead: false,
    });
  }

  onExec(pid: number, oldPid: number, filename: string): void {
    // A non-leader thread that execs takes over the leader's pid; its old tid is gone.
    if (oldPid !== pid) this.threads.delete(oldPid);
    this.forgetThreads(pid);
    const p = this.procs.get(pid);
    if (!p) return;
    const base = filename.slice(filename.lastIndexOf('/') + 1);
    p.id.comm = base.slice(0, 15);
    p.id.argvHead = [filename];
    p.src.comm = 'trace';
    p.src.argvHead = 'trace';
    p.procRead = false;
    p.seenMs = this.nowMs();
  }

  /** setsid() succeeds for a non-group-leader: new session and group named after it, no terminal. */
  onSetsid(tid: number): void {
    const p = this.procs.get(this.tgidOf(tid));
    if (!p) return;
    p.id.pgid = p.id.pid;
    p.id.sid = p.id.pid;
    p.id.tty = null;
    p.src.session = 'trace';
  }

  /** setpgid(pid, pgid): 0 means the caller, and a pgid of 0 means the target's own pid. */
  onSetpgid(tid: number, pid: number, pgid: number): void {
    const target = pid === 0 ? this.tgidOf(tid) : pid;
    const p = this.procs.get(target);
    if (!p || pgid < 0) return;
    p.id.pgid = pgid === 0 ? target : pgid;
  }

  /**
   * At a fatal signal: fill in from /proc what the trace could only inherit (session, terminal, cgroup,
   * full argv). The traced pid, comm and parent stay: a dying process may already be reparented or have
   * dropped its argv (a read then gives ppid 1 and an empty command line).
   */
  enrich(pid: number): void {
    const p = this.procs.get(pid);
    if (!p || p.procRead) return;
    const id = readIdentity(pid);
    if (!id || Math.abs(p.id.startTime - id.startTime) > 1 || id.argvHead.length === 0) return;
    p.id.argvHead = id.argvHead;
    p.id.pgid = id.pgid;
    p.id.sid = id.sid;
    p.id.tty = id.tty;
    p.id.cgroup = id.cgroup;
    p.id.startTime = id.startTime;
    p.src = { ...p.src, startTime: 'proc', argvHead: 'proc', session: 'proc', cgroup: 'proc' };
  }

  /** The comm of a task as of the event being processed (the trace prefix names it at read time instead). */
  commOf(tid: number): string | null {
    return this.procs.get(this.tgidOf(tid))?.id.comm ?? null;
  }

  /** The whole thread group ended: forget it. Returns what was known. */
  take(tgid: number): TrackedProcess | undefined {
    const p = this.procs.get(tgid);
    this.procs.delete(tgid);
    this.forgetThreads(tgid);
    return p;
  }

  /** Overwrite with a /proc read when it is the same process (same start time, give or take the fork tick). */
  refresh(pid: number): boolean {
    const p = this.procs.get(pid);
    const id = readIdentity(pid);
    if (!id) return false;
    if (p && p.src.startTime === 'trace' && Math.abs(p.id.startTime - id.startTime) > 1) return false;
    if (p && p.src.startTime === 'proc' && p.id.startTime !== id.startTime) return false;
    const fresh = fromProc(id);
    fresh.seenMs = p?.seenMs ?? this.nowMs();
    this.procs.set(pid, fresh);
    this.learnThreads(pid);
    return true;
  }

  /**
   * Read /proc for processes that lived long enough and were not read since their last exec. Bounded per
   * call so a fork storm of long-lived processes cannot stall the event loop. Returns the number read.
   */
  sweep(max = 200): number {
    const now = this.nowMs();
    let n = 0;
    for (const [pid, p] of this.procs) {
      if (p.procRead || now - p.seenMs < SWEEP_MIN_AGE_MS) continue;
      if (!this.refresh(pid)) p.procRead = true; // gone or replaced: do not try again
      if (++n >= max) break;
    }
    return n;
  }

  /**
   * Forget processes and threads whose /proc entry is gone (their exit event was lost, or a thread ended:
   * thread exits are filtered out in the kernel). Only entries older than `minAgeMs`, so an exit still
   * waiting in the ring buffer finds its identity.
   */
  prune(minAgeMs = 30000): number {
    const now = this.nowMs();
    let n = 0;
    for (const [pid, p] of this.procs) {
      if (now - p.seenMs > minAgeMs && !pidExists(pid)) {
        this.take(pid);
        n++;
      }
    }
    for (const [tid, tgid] of this.threads) {
      if (!pidExists(tid)) {
        this.threads.delete(tid);
        this.groups.get(tgid)?.delete(tid);
      }
    }
    return n;
  }
}
