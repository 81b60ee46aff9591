/**
 * The flight recorder: one private tracing instance for the whole machine, one JSON line per process exit.
 *
 * Events (fatal-signal filtering is done in the kernel, so SIGCHLD - one per exit - never reaches us):
 *  - task/task_newtask            identity at fork (threads too: exit_group may come from any thread)
 *  - sched/sched_process_exec     comm and argv[0] after exec
 *  - syscalls/sys_enter_exit_group the exit code
 *  - sched/sched_process_exit     `group_dead == 1`: the process (not a thread) ended
 *  - signal/signal_generate       delivered (`result == 0`), fatal-by-default signals: sender -> victim
 *  - syscalls/sys_enter_kill, sys_enter_tgkill, sys_enter_pidfd_send_signal  the same signals: the call
 *    behind a signal (kill(0) / kill(-pgid) marks a group-directed send); every call that can send SI_USER
 *    to another process is traced, so a signal with none behind it was sent by the kernel on someone's
 *    behalf (cgroup.kill, a parent-death signal: src/observe/derive.ts mechanismOf)
 *  - oom/mark_victim              OOM kills
 * The instance clock is `boot`, so a fork event's timestamp is the child's /proc start time.
 */
import { rewriteInPlace, safeWriteFile } from '../source/safe-write';
import * as fs from 'fs';
import * as path from 'path';
import { createInstance, ensureTracefs, removeStaleInstances, TraceInstance } from '../source/trace/tracefs';
import type { RawReader } from '../source/trace/raw-reader';
import { commonFields as commonFieldsOf, readFormats } from '../source/trace/raw-events';
import { registerCleanup } from '../source/trace/registry';
import type { KillEvent, SignalGenerateEvent, TgkillEvent, TraceEvent } from '../source/trace/parse';
import { callBehind, DeathTracker, type VictimContext } from '../observe/derive';
import { bootId, readUptimeMs, taskOwner } from '../source/process-identity';
import { isThreadClone, recorderDecoders, RecorderLine } from './recorder-parse';
import { IdentitySources, ProcessTable } from './recorder-table';
import { recorderCause } from './recorder-cause';
import { RecordWriter } from './recorder-writer';
import { Retention, type RetentionOptions } from './retention';
import { BufferLoss, readBufferLoss, setBufferKb } from './recorder-stats';
import type { DeathRecord } from '../source/records/types';
import type { DeathSink } from '../fleet/death-pipeline';
import type { HookStats } from '../fleet/hook';

/** Signals whose default action terminates (1-16, XCPU..PROF, IO, PWR, SYS, every real-time signal). */
const FATAL_SIGNAL_FILTER = '(sig >= 1 && sig <= 16) || (sig >= 24 && sig <= 27) || sig >= 29';

export interface RecorderOptions {
  stateDir: string;
  capBytes?: number;
  /** Per-CPU ring buffer, KB. Generous: a burst must fit while the reader is descheduled. */
  bufferKb?: number;
  log: (line: string) => void;
  /** false: no records store (fleet outputs only). Default true. */
  store?: boolean;
  /**
   * Where every death goes after the store, as it is made (the fleet outputs: JSON lines, metrics, journal,
   * hook; src/fleet/death-pipeline.ts), and the recorder's health each time the status is written. Must be
   * cheap.
   */
  sink?: DeathSink;
  /** The --on-death hook's counters (started, failed, timed out, dropped), shown in the status. */
  hookStats?: () => HookStats;
  /** What the store keeps: clean exits, argv (src/record/retention.ts). */
  retention?: RetentionOptions;
  /** Earlier recorders of this state dir found killed (a stale pidfile): counted in `lost.killed`. */
  killedBefore?: number;
}

/** One line of records.jsonl written by the recorder: a DeathRecord plus where each identity field came from. */
export interface RecorderRecord extends DeathRecord {
  identitySources: IdentitySources;
}

export interface RecorderStatus {
  pid: number;
  instance: string;
  startedAt: string;
  updatedAt: string;
  bufferKb: number | null;
  exits: number;
  records: number;
  rotations: number;
  /** Exits whose process was not seen forking nor in the start scan: start time unknown (-1). */
  unknownIdentity: number;
  fatalSignals: number;
  /**
   * pipe/overrun/dropped: events the kernel could not hand over. unwritten: records made but not stored (a
   * full or read-only disk; the batch is cut back off, never left torn). killed: earlier recorders of this
   * state dir that died without stopping (kill -9): what they had read but not written is lost (at most the
   * batch in hand, see FLUSH below).
   */
  lost: { pipe: number; overrun: number; dropped: number; unwritten: number; killed: number };
  /** --on-death hooks: deaths dropped because hooks were too slow are counted here. Null without a hook. */
  hooks: HookStats | null;
}

/**
 * The loss guarantee (README "Flight recorder"): records are written in one write() per batch, after each batch
 * of events read from the kernel and before the next is read (setImmediate: the trace reader reads again on a
 * timer, later in the event loop), so a kill -9 loses at most the batch in hand (the exits of one read, a few
 * milliseconds) plus what the kernel had not yet handed over. No fsync per batch: a host crash may lose what
 * the page cache held (the kernel writes it back within vm.dirty_expire_centisecs, 30 s by default).
 * FLUSH_MS is only the backstop for records made outside a read (the start scan).
 */
const FLUSH_MS = 200;
/** At most one line per this interval about failing writes (a full disk would otherwise log every batch). */
const WRITE_ERROR_LOG_MS = 60000;
const SWEEP_MS = 1000;
const STATUS_MS = 5000;
const PRUNE_MS = 30000;
const FLUSH_AT_RECORDS = 4000;

export class Recorder {
  private inst: TraceInstance | null = null;
  private pipe: RawReader | null = null;
  private readonly table = new ProcessTable();
  private readonly writer: RecordWriter;
  private readonly exitCodes = new Map<number, number>();
  private readonly trackers = new Map<number, DeathTracker>();
  /** Per sending thread: its last kill/tgkill, and the signal of its last pidfd_send_signal. */
  private readonly lastKill = new Map<number, KillEvent | TgkillEvent>();
  private readonly lastPidfd = new Map<number, number>();
  /** Whether every call that can send SI_USER to another process is traced (see VictimContext). */
  private syscallsTraced = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly boot = bootId();
  private unregister: (() => void) | null = null;
  private toWallMs: (tsMs: number) => number = (t) => t;
  private status: RecorderStatus;
  private lossSeen: BufferLoss = { overrun: 0, dropped: 0 };
  private stopped = false;
  private badRecords = 0;
  private pipeLossLogged = 0;
  private flushQueued = false;
  /** This process and its descendants, followed from their fork events (reparenting and setsid change nothing). */
  private readonly own = new Set<number>([process.pid]);
  private writeErrorLoggedAt = 0;
  private writeErrorsUnlogged = 0;

  constructor(private readonly opts: RecorderOptions) {
    this.writer = new RecordWriter(opts.stateDir, opts.capBytes, new Retention(opts.retention));
    const now = new Date().toISOString();
    this.status = {
      pid: process.pid,
      instance: '',
      startedAt: now,
      updatedAt: now,
      bufferKb: null,
      exits: 0,
      records: 0,
      rotations: 0,
      unknownIdentity: 0,
      fatalSignals: 0,
      lost: { pipe: 0, overrun: 0, dropped: 0, unwritten: 0, killed: opts.killedBefore ?? 0 },
      hooks: null,
    };
  }

  get statusFile(): string {
    return path.join(this.opts.stateDir, 'record.status.json');
  }

  start(): void {
    const root = ensureTracefs();
    const stale = removeStaleInstances(root);
    if (stale.length)
      this.opts.log(`removed ${stale.length} tracing instance(s) left by dead whydied processes: ${stale.join(', ')}`);
    const inst = createInstance('whydied-record', root);
    this.inst = inst;
    // Flush what was read, then the instance goes (registry order: cleanups first, then instances).
    this.unregister = registerCleanup(() => this.stop('exit path'));
    fs.writeFileSync(path.join(inst.dir, 'trace_clock'), 'boot');
    this.status.instance = inst.name;
    this.status.bufferKb = setBufferKb(inst.dir, this.opts.bufferKb ?? 8192);
    // Tracing stays off until every event and filter is in place and the /proc scan has run.
    fs.writeFileSync(path.join(inst.dir, 'tracing_on'), '0');
    const events: string[] = [];
    const on = (event: string, filter?: string): void => {
      inst.enable(event, filter);
      events.push(event);
    };
    on('task/task_newtask');
    on('sched/sched_process_exec');
    on('syscalls/sys_enter_exit_group');
    try {
      on('sched/sched_process_exit', 'group_dead == 1');
    } catch {
      // Kernels without group_dead: every thread exit arrives; the parser's groupDead is null then.
      on('sched/sched_process_exit');
    }
    // Rare calls that change pgid/sid after fork (daemons, job-control shells, setsid(1)).
    on('syscalls/sys_enter_setsid');
    on('syscalls/sys_enter_setpgid');
    on('signal/signal_generate', `result == 0 && (${FATAL_SIGNAL_FILTER})`);
    on('syscalls/sys_enter_kill', FATAL_SIGNAL_FILTER);
    on('syscalls/sys_enter_tgkill', FATAL_SIGNAL_FILTER);
    try {
      on('syscalls/sys_enter_pidfd_send_signal', FATAL_SIGNAL_FILTER);
    } catch {
      /* kernels before 5.1 have no pidfd_send_signal: nothing to trace */
    }
    this.syscallsTraced = true;
    try {
      on('oom/mark_victim');
    } catch {
      /* older kernels: an OOM kill still shows as a kernel-sent SIGKILL */
    }
    this.toWallMs = bootToWall();
    // Binary records, decoded with this kernel's formats: names are fields, never text that can make lines.
    const formats = readFormats(inst.dir, events);
    const first = formats.values().next().value;
    if (!first) throw new Error('no trace events enabled');
    const decoders = recorderDecoders(formats);
    this.pipe = inst.openRaw<RecorderLine>({
      typeOf: commonFieldsOf(first).type,
      decoders,
      onEvent: (l) => {
        try {
          this.onLine(l);
        } catch (e) {
          // One odd record must not stop the recorder; say so (a few times) instead of hiding it.
          this.onBadRecord(`could not handle trace event ${l.event} (${(e as Error).message})`);
        }
      },
      // RB_MISSED_EVENTS on a page: the count the kernel stored, or at least one. Logged with the buffer
      // counters every STATUS_MS (checkLoss), not per page: an overrun flags many pages.
      onLost: (count) => (this.status.lost.pipe += count ?? 1),
      onBad: (what) => this.onBadRecord(`undecodable trace record: ${what}`),
    });
    inst.start();
    // Scan after tracing is on: a process forked in between is in both, and the fork event wins.
    this.table.scan();
    this.lossSeen = readBufferLoss(inst.dir);
    this.timers.push(setInterval(() => this.flush(), FLUSH_MS));
    this.timers.push(setInterval(() => this.table.sweep(), SWEEP_MS));
    this.timers.push(setInterval(() => this.checkLoss(), STATUS_MS));
    this.timers.push(setInterval(() => this.table.prune(), PRUNE_MS));
    this.writeStatus();
    this.opts.log(
      `recording: instance ${inst.name}, buffer ${this.status.bufferKb ?? '?'} KB per CPU, records in ${this.opts.stateDir}`,
    );
  }

  private onBadRecord(what: string): void {
    if (++this.badRecords <= 5) this.opts.log(what);
  }

  private onLine(l: RecorderLine): void {
    switch (l.event) {
      case 'exit_group':
        this.exitCodes.set(this.table.tgidOf(l.taskPid), l.code);
        return;
      case 'exit':
        if (l.groupDead === false) return;
        this.onExit(l.pid, l.comm, l.tsUs);
        return;
      case 'newtask':
        this.table.onNewTask(l.taskPid, l.pid, l.comm, isThreadClone(l.cloneFlags), l.tsUs);
        if (!isThreadClone(l.cloneFlags)) {
          // A fresh holder of the pid: ours only if its parent is (an exit lost in an overrun leaves no stale mark).
          if (this.own.has(this.table.tgidOf(l.taskPid))) this.own.add(l.pid);
          else this.own.delete(l.pid);
        }
        return;
      case 'exec':
        this.table.onExec(l.pid, l.oldPid, l.filename);
        return;
      case 'setsid':
        this.table.onSetsid(l.taskPid);
        return;
      case 'setpgid':
        this.table.onSetpgid(l.taskPid, l.pid, l.pgid);
        return;
      case 'other':
        this.onRare(l.ev);
        return;
    }
  }

  private onRare(ev: TraceEvent): void {
    if (ev.event === 'sys_kill' || ev.event === 'sys_tgkill') {
      this.lastKill.set(ev.taskPid, ev);
      return;
    }
    if (ev.event === 'sys_pidfd_send_signal') {
      this.lastPidfd.set(ev.taskPid, ev.sig);
      return;
    }
    if (ev.event === 'signal_generate') {
      this.onSignal(ev);
      return;
    }
    if (ev.event === 'mark_victim') {
      const tgid = this.table.tgidOf(ev.pid);
      this.trackerOf(tgid).onOom(ev, this.toWallMs(ev.ts * 1000));
    }
  }

  private trackerOf(tgid: number): DeathTracker {
    let t = this.trackers.get(tgid);
    if (!t) this.trackers.set(tgid, (t = new DeathTracker(tgid, this.victimContext(tgid))));
    return t;
  }

  /**
   * The victim as the table knows it at its first fatal signal. The parent is the traced one (a parent-death
   * signal comes after the kernel reparented it: /proc would say the reaper); -1 where unknown matches no pid.
   */
  private victimContext(tgid: number): VictimContext {
    const p = this.table.procs.get(tgid);
    return {
      ppid: p ? p.id.ppid : -1,
      pgid: p ? p.id.pgid : -1,
      sid: p ? p.id.sid : -1,
      syscallsTraced: this.syscallsTraced,
    };
  }

  private onSignal(ev: SignalGenerateEvent): void {
    this.status.fatalSignals++;
    const victim = this.table.tgidOf(ev.pid);
    const pgid = this.table.procs.get(victim)?.id.pgid ?? -1;
    const pidfd = this.lastPidfd.get(ev.taskPid);
    // The same matching as watch (src/observe/tracefs-backend.ts): a pidfd's target is an fd, so its signal
    // is matched by the signal alone.
    const kill =
      callBehind(this.lastKill.get(ev.taskPid), ev, victim, pgid > 0 ? pgid : null) ??
      callBehind(
        pidfd === undefined ? undefined : { ...ev, event: 'sys_kill', pid: ev.pid, sig: pidfd },
        ev,
        victim,
        null,
      );
    // Rare (fatal signals only): worth two /proc reads - the sender's uid, and the victim's full identity
    // while it may still be readable.
    const owner = ev.taskPid > 0 ? taskOwner(ev.taskPid) : null;
    const senderTgid = ev.taskPid > 0 ? this.table.tgidOf(ev.taskPid) : null;
    this.table.enrich(victim);
    // The prefix comm is looked up by ftrace when the line is read (a sender that exec'd since is named by
    // its new program); the table has the comm as of this point in the stream.
    const senderComm = ev.taskPid > 0 ? this.table.commOf(ev.taskPid) : null;
    const sent = senderComm ? { ...ev, taskComm: senderComm } : ev;
    this.trackerOf(victim).onSignal(
      sent,
      kill,
      { tgid: senderTgid, uid: owner?.uid ?? null },
      this.toWallMs(ev.ts * 1000),
    );
  }

  private onExit(pid: number, comm: string, tsUs: number): void {
    const tgid = this.table.tgidOf(pid);
    const wallMs = this.toWallMs(tsUs / 1000);
    this.status.exits++;
    const p = this.table.take(tgid);
    const exitCode = this.exitCodes.get(tgid);
    this.exitCodes.delete(tgid);
    const tracker = this.trackers.get(tgid);
    this.trackers.delete(tgid);
    this.lastKill.delete(pid);
    this.lastPidfd.delete(pid);
    const cause = recorderCause({ exitCode, tracker, wallMs });
    if (!p) this.status.unknownIdentity++;
    const rec: RecorderRecord = {
      v: 1,
      pid: tgid,
      startTime: p ? p.id.startTime : -1,
      bootId: this.boot,
      comm,
      argvHead: p ? p.id.argvHead : [],
      ppid: p ? p.id.ppid : -1,
      pgid: p ? p.id.pgid : -1,
      sid: p ? p.id.sid : -1,
      tty: p ? p.id.tty : null,
      cgroup: p ? p.id.cgroup : null,
      cause,
      seenAt: new Date(wallMs).toISOString(),
      identitySources: p
        ? { ...p.src, comm: 'trace' }
        : {
            startTime: 'unknown',
            comm: 'trace',
            argvHead: 'unknown',
            ppid: 'unknown',
            session: 'unknown',
            cgroup: 'unknown',
          },
    };
    if (this.opts.store !== false) this.writer.push(rec);
    this.opts.sink?.death(rec, tgid !== process.pid && this.own.delete(tgid));
    if (this.writer.pending >= FLUSH_AT_RECORDS) this.flush();
    else if (!this.flushQueued) {
      // Written once this batch of events is handled, before the next read: see FLUSH_MS.
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    const pending = this.writer.pending;
    try {
      this.writer.flush();
    } catch (e) {
      this.status.lost.unwritten += pending;
      this.logWriteError((e as Error).message);
    }
    this.status.records = this.writer.written;
    this.status.rotations = this.writer.rotations;
  }

  private logWriteError(message: string): void {
    const now = Date.now();
    if (now - this.writeErrorLoggedAt < WRITE_ERROR_LOG_MS) {
      this.writeErrorsUnlogged++;
      return;
    }
    const more = this.writeErrorsUnlogged
      ? ` (and ${this.writeErrorsUnlogged} more failed writes since the last line)`
      : '';
    this.writeErrorLoggedAt = now;
    this.writeErrorsUnlogged = 0;
    this.opts.log(`cannot write records: ${message}; ${this.status.lost.unwritten} records lost so far${more}`);
    // The status says it at once, not at the next tick.
    this.writeStatus();
  }

  private checkLoss(): void {
    if (!this.inst) return;
    const now = readBufferLoss(this.inst.dir);
    const over = now.overrun - this.lossSeen.overrun;
    const drop = now.dropped - this.lossSeen.dropped;
    const flagged = this.status.lost.pipe - this.pipeLossLogged;
    if (over > 0 || drop > 0 || flagged > 0) {
      this.status.lost.overrun += Math.max(0, over);
      this.status.lost.dropped += Math.max(0, drop);
      this.opts.log(
        `LOST events in the ring buffer: overrun +${over}, dropped +${drop}, flagged on read pages +${flagged} (buffer ${this.status.bufferKb ?? '?'} KB per CPU)`,
      );
    }
    this.lossSeen = now;
    this.pipeLossLogged = this.status.lost.pipe;
    this.writeStatus();
  }

  private writeStatus(): void {
    this.status.updatedAt = new Date().toISOString();
    this.status.hooks = this.opts.hookStats ? { ...this.opts.hookStats() } : null;
    if (this.opts.sink) {
      const lost = this.status.lost;
      this.opts.sink.health({
        events: this.status.exits,
        lost: lost.pipe + lost.overrun + lost.dropped + lost.unwritten,
      });
    }
    const text = JSON.stringify(this.status) + '\n';
    try {
      safeWriteFile(this.statusFile, text, { role: 'recorder status' });
    } catch {
      // A full disk has no room for a fresh copy: rewrite the one there in place (same blocks, padded).
      rewriteInPlace(this.statusFile, text);
    }
  }

  getStatus(): RecorderStatus {
    return { ...this.status, lost: { ...this.status.lost }, hooks: this.status.hooks && { ...this.status.hooks } };
  }

  /** Read what is left in the buffer, write it, remove the instance. Synchronous and idempotent. */
  stop(why: string): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    try {
      this.pipe?.drain();
    } catch {
      /* the instance may already be half gone */
    }
    this.flush();
    if (this.inst) this.checkLoss();
    this.inst?.remove();
    this.unregister?.();
    this.opts.log(
      `stopped (${why}): ${this.status.exits} exits, ${this.status.records} records, lost ${JSON.stringify(this.status.lost)}`,
    );
    this.writeStatus();
  }
}

/**
 * Boot clock -> wall clock. Node reads CLOCK_MONOTONIC (hrtime) precisely; the boot clock differs from it
 * only by time spent suspended, which /proc/uptime (10 ms resolution) gives.
 */
function bootToWall(): (tsMs: number) => number {
  const monoMs = Number(process.hrtime.bigint()) / 1e6;
  const wall = Date.now();
  let suspendedMs = 0;
  const up = readUptimeMs(); // null: assume never suspended
  if (up !== null && up - monoMs > 50) suspendedMs = up - monoMs;
  const offset = wall - monoMs - suspendedMs;
  return (tsMs) => tsMs + offset;
}
