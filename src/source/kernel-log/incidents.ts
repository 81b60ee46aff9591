/**
 * Group events into incidents and deaths. An OOM kill is printed as several records (header,
 * stack, memcg usage, pre-4.19 `Task in`, 4.19+ summary, select line before 5.1, killed line);
 * they belong together when they follow each other within a short time in the same boot.
 */
import { signalName } from '../signals';
import { parseRecord } from './parse';
import {
  UNKNOWN_SIGNAL,
  type Death,
  type DeathDetails,
  type DeathFilter,
  type HungTask,
  type KernelEvent,
  type KernelRecord,
  type LocatedEvent,
  type MachineDeath,
} from './types';
import { oopsDeath, type OopsDraft } from './oops-incident';

/** Records of one OOM incident are printed within this many ms of each other. */
const OOM_GAP_MS = 30_000;
/** An audit ANOM_ABEND within this many ms of a crash line for the same pid is the same death. */
const AUDIT_GAP_MS = 5_000;
/** show_regs prints the task line right after a fault line that lacks the pid (arm, s390, print_fatal_signal). */
const TASK_LINE_GAP_MS = 2_000;

/** The stamps of the line that names a death, for words in the log's own terms. */
const stampOf = (r: KernelRecord): Pick<Death, 'wall' | 'uptimeSec'> => ({
  wall: r.wall ?? null,
  uptimeSec: r.uptimeSec ?? null,
});

const TRAP_SIGNALS: Readonly<Record<string, string>> = {
  'divide error': 'SIGFPE',
  'coprocessor segment overrun': 'SIGFPE',
  'invalid opcode': 'SIGILL',
  int3: 'SIGTRAP',
  'general protection': 'SIGSEGV',
  'general protection fault': 'SIGSEGV',
  bounds: 'SIGSEGV',
  overflow: 'SIGSEGV',
  'invalid TSS': 'SIGSEGV',
  'stack segment': 'SIGBUS',
  'segment not present': 'SIGBUS',
  'alignment check': 'SIGBUS',
};

const trapSignal = (trap: string): string => TRAP_SIGNALS[trap] ?? 'SIGSEGV';

/** Events of records, in log order. Never throws. */
export function locateEvents(records: readonly KernelRecord[]): LocatedEvent[] {
  const out: LocatedEvent[] = [];
  // One record printed twice with the same stamp (a serial console captured together with the log, as in
  // the cva6 excerpt; a paste repeated) is one record: the kernel stamps each printk once, to the
  // microsecond, so the same text at the same instant is the same report and the same death. Only printk's
  // stamp is that fine: two identical lines of one second in a syslog file may be two deaths (two pid-less
  // `potentially unexpected fatal signal 11.` lines, each followed by its own task line).
  const seen = new Set<string>();
  for (const record of records) {
    const uptime = record.uptimeSec ?? null;
    if (uptime !== null) {
      const key = `${record.boot}\0${uptime}\0${record.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const event = parseRecord(record);
    if (event) out.push({ event, record });
  }
  return out;
}

function put(d: DeathDetails, key: string, v: string | number | boolean | null | undefined): void {
  if (v !== undefined && !(typeof v === 'number' && !Number.isFinite(v))) d[key] = v;
}

interface OomDraft {
  parts: LocatedEvent[];
  lastMs: number | null;
  boot: string;
}

function close(a: KernelRecord, lastMs: number | null, boot: string): boolean {
  if (a.boot !== boot) return false;
  if (a.timeMs === null || lastMs === null) return true;
  return a.timeMs - lastMs <= OOM_GAP_MS && a.timeMs >= lastMs - 1;
}

/**
 * Whose limit ran out: `memcg` (a memory cgroup's), `system` (the machine's, or a cpuset/mempolicy's), or
 * null when the incident's surviving lines do not say (a lone 3.x/4.x `Killed process` line has no prefix).
 * Read from the 4.19+ summary's constraint, the memcg lines, and the mm/oom_kill.c message prefix
 * (`Memory cgroup out of memory` vs `Out of memory`, on the select line before 5.1, the killed line after).
 */
function oomScope(draft: OomDraft, d: DeathDetails): 'memcg' | 'system' | null {
  if (typeof d.constraint === 'string') return d.constraint === 'CONSTRAINT_MEMCG' ? 'memcg' : 'system';
  if (typeof d.memcg === 'string' && d.memcg !== '') return 'memcg';
  for (const { event: e } of draft.parts) {
    const prefix = e.type === 'oom-kill-select' || e.type === 'oom-killed' ? e.prefix : null;
    if (prefix) return /cgroup/i.test(prefix) ? 'memcg' : 'system';
  }
  return null;
}

/** Turn one OOM incident into a death (null when no victim pid is known). */
function oomDeath(draft: OomDraft): Death | null {
  const d: DeathDetails = {};
  let victim: { pid: number; comm: string } | null = null;
  let at: KernelRecord | null = null;
  for (const { event: e, record } of draft.parts) {
    switch (e.type) {
      case 'oom-header':
        put(d, 'triggeredBy', e.comm);
        put(d, 'gfpMask', e.gfpMask);
        put(d, 'order', e.order);
        break;
      case 'stack-task':
        if (d.triggeredByPid === undefined) put(d, 'triggeredByPid', e.pid);
        break;
      case 'memcg-usage':
        if (d.limitKb === undefined) {
          put(d, 'usageKb', e.usageKb);
          put(d, 'limitKb', e.limitKb);
          put(d, 'failcnt', e.failcnt);
        }
        break;
      case 'memcg-task':
        put(d, 'taskMemcg', e.taskMemcg);
        put(d, 'memcg', e.limitMemcg);
        break;
      case 'oom-summary':
        put(d, 'constraint', e.constraint);
        put(d, 'memcg', e.oomMemcg);
        put(d, 'taskMemcg', e.taskMemcg);
        put(d, 'uid', e.uid);
        if (!victim) victim = { pid: e.pid, comm: e.comm };
        at = at ?? record;
        break;
      case 'oom-kill-select':
        put(d, 'score', e.score);
        put(d, 'selected', `${e.pid}`);
        if (!victim) victim = { pid: e.pid, comm: e.comm };
        at = at ?? record;
        break;
      case 'oom-killed':
        // The killed line is authoritative: before 5.1 the selected task may "sacrifice" a child.
        victim = { pid: e.pid, comm: e.comm };
        at = record;
        put(d, 'rssKb', e.anonRssKb + e.fileRssKb + (e.shmemRssKb ?? 0));
        put(d, 'anonRssKb', e.anonRssKb);
        put(d, 'fileRssKb', e.fileRssKb);
        put(d, 'shmemRssKb', e.shmemRssKb);
        put(d, 'totalVmKb', e.totalVmKb);
        put(d, 'pgtablesKb', e.pgtablesKb);
        put(d, 'oomScoreAdj', e.oomScoreAdj);
        if (e.uid !== null) put(d, 'uid', e.uid);
        put(d, 'oomKind', e.prefix);
        break;
      default:
        break;
    }
  }
  if (!victim || !at) return null;
  put(d, 'scope', oomScope(draft, d));
  return {
    pid: victim.pid,
    comm: victim.comm,
    kind: 'oom-kill',
    ...stampOf(at),
    timeMs: at.timeMs,
    signal: 'SIGKILL',
    boot: at.boot,
    details: d,
    raw: draft.parts.map((p) => p.record.message),
  };
}

function crashDeath(e: KernelEvent, record: KernelRecord): Death | null {
  const d: DeathDetails = {};
  if (e.type === 'segfault') {
    put(d, 'address', e.address);
    put(d, 'ip', e.ip);
    put(d, 'sp', e.sp);
    put(d, 'errorCode', e.errorCode);
    put(d, 'library', e.library);
    put(d, 'mapping', e.mapping);
    put(d, 'cpu', e.cpu);
    return {
      pid: e.pid,
      comm: e.comm,
      kind: 'segfault',
      ...stampOf(record),
      timeMs: record.timeMs,
      signal: 'SIGSEGV',
      boot: record.boot,
      details: d,
      raw: [record.message],
    };
  }
  if (e.type === 'trap') {
    put(d, 'trap', e.trap);
    put(d, 'ip', e.ip);
    put(d, 'sp', e.sp);
    put(d, 'errorCode', e.errorCode);
    put(d, 'library', e.library);
    return {
      pid: e.pid,
      comm: e.comm,
      kind: 'trap',
      ...stampOf(record),
      timeMs: record.timeMs,
      signal: trapSignal(e.trap),
      boot: record.boot,
      details: d,
      raw: [record.message],
    };
  }
  return null;
}

function mergeAudit(deaths: Death[], e: Extract<KernelEvent, { type: 'audit-abend' }>, record: KernelRecord): void {
  const timeMs = record.timeMs ?? e.auditTimeMs;
  for (let i = deaths.length - 1; i >= 0 && i >= deaths.length - 20; i--) {
    const x = deaths[i];
    if (x.pid !== e.pid || x.boot !== record.boot || x.kind === 'oom-kill') continue;
    if (x.timeMs !== null && timeMs !== null && Math.abs(x.timeMs - timeMs) > AUDIT_GAP_MS) continue;
    put(x.details, 'auditSignal', signalName(e.signal));
    put(x.details, 'exe', e.exe);
    x.raw.push(record.message);
    return;
  }
  const d: DeathDetails = { auditSignal: signalName(e.signal) };
  put(d, 'exe', e.exe);
  deaths.push({
    pid: e.pid,
    comm: e.comm,
    kind: 'signal',
    ...stampOf(record),
    timeMs,
    signal: signalName(e.signal),
    boot: record.boot,
    details: d,
    raw: [record.message],
  });
}

/** The kind of death a fault's signal makes. */
function faultKind(signal: string | null): Death['kind'] {
  if (signal === 'SIGSEGV') return 'segfault';
  if (signal === 'SIGILL' || signal === 'SIGBUS' || signal === 'SIGFPE' || signal === 'SIGTRAP') return 'trap';
  return 'signal';
}

type FaultEvent = Extract<
  KernelEvent,
  { type: 'user-fault' | 'fatal-signal' | 'lmk-kill' | 'userspace-death' | 'memory-failure' }
>;

/** A death from a fault line of another arch, a fatal-signal report or a low-memory killer. */
function faultDeath(e: FaultEvent, record: KernelRecord, pid: number, comm: string): Death {
  const d: DeathDetails = {};
  let signal: string | null;
  let kind: Death['kind'];
  if (e.type === 'user-fault') {
    put(d, 'arch', e.arch);
    put(d, 'fault', e.what);
    put(d, 'address', e.address);
    put(d, 'library', e.library);
    signal = e.signal;
    kind = faultKind(signal);
  } else if (e.type === 'fatal-signal') {
    put(d, 'fatalSignalReport', true);
    signal = e.signal;
    kind = 'signal';
  } else if (e.type === 'memory-failure') {
    put(d, 'reason', 'hardware-memory-error');
    put(d, 'pfn', e.pfn);
    put(d, 'address', e.address);
    if (e.early) put(d, 'early', true);
    signal = e.signal;
    kind = 'signal';
  } else if (e.type === 'userspace-death') {
    // systemd-coredump and upstart report a death (the signal is the process's own crash or an unknown
    // sender's); earlyoom and systemd-oomd are the killers.
    if (e.by === 'systemd-coredump') put(d, 'coredump', true);
    else if (e.by === 'upstart') put(d, 'upstartJob', e.job);
    else put(d, 'killer', e.by);
    put(d, 'reportedBy', e.by);
    signal = e.signal;
    kind = 'signal';
  } else {
    put(d, 'killer', e.by);
    put(d, 'oomScoreAdj', e.oomScoreAdj);
    signal = 'SIGKILL';
    kind = 'signal';
  }
  return {
    pid,
    comm,
    kind,
    ...stampOf(record),
    timeMs: record.timeMs,
    signal: signal ?? UNKNOWN_SIGNAL,
    boot: record.boot,
    details: d,
    raw: [record.message],
  };
}

/**
 * A second SIGBUS line for a process already reported in this boot: it handled the first (BUS_MCEERR_* can be
 * caught), since it ran on to touch another bad page — a program or test that catches it, as UFFDIO_POISON's
 * selftest does, printing one line per page. Such a process is no death of these lines: the earlier one is
 * withdrawn and the later ones dropped. A SIGKILL line (the page could not be unmapped) is always its death.
 */
function handledMemoryFailure(deaths: Death[], handled: Set<string>, d: Death): boolean {
  if (d.signal !== 'SIGBUS') return false;
  const key = `${d.boot}\0${d.pid}\0${d.comm}`;
  if (handled.has(key)) return true;
  const i = deaths.findIndex(
    (p) =>
      p.details.reason === 'hardware-memory-error' && p.signal === 'SIGBUS' && `${p.boot}\0${p.pid}\0${p.comm}` === key,
  );
  if (i < 0) return false;
  deaths.splice(i, 1);
  handled.add(key);
  return true;
}

/** A fatal-signal report for a pid that a crash line already reported is the same death: add to it. */
function mergeFatalSignal(deaths: Death[], x: Death): boolean {
  for (let i = deaths.length - 1; i >= 0 && i >= deaths.length - 5; i--) {
    const y = deaths[i];
    if (y.pid !== x.pid || y.boot !== x.boot) continue;
    if (y.timeMs !== null && x.timeMs !== null && Math.abs(y.timeMs - x.timeMs) > TASK_LINE_GAP_MS) continue;
    put(y.details, 'fatalSignalReport', true);
    y.raw.push(...x.raw);
    return true;
  }
  return false;
}

/** A program's report of a death follows the kernel's line within this long (core dump processing). */
const REPORT_GAP_MS = 60_000;

/** A death and a later record within `gapMs` (by wall clock, else by uptime; unknown times: yes). */
function sameMoment(d: Death, r: KernelRecord, gapMs: number): boolean {
  if (d.timeMs !== null && r.timeMs !== null) return Math.abs(d.timeMs - r.timeMs) <= gapMs;
  const a = d.uptimeSec ?? null;
  const b = r.uptimeSec ?? null;
  if (a !== null && b !== null) return Math.abs(a - b) * 1000 <= gapMs;
  return true;
}

/** Within the gap (or when either time is unknown) and in the same boot. */
function nextTo(a: KernelRecord, b: KernelRecord): boolean {
  if (a.boot !== b.boot) return false;
  if (a.timeMs === null || b.timeMs === null) {
    if (a.monoUsec !== null && b.monoUsec !== null) return Math.abs(a.monoUsec - b.monoUsec) <= TASK_LINE_GAP_MS * 1000;
    return true;
  }
  return Math.abs(a.timeMs - b.timeMs) <= TASK_LINE_GAP_MS;
}

/**
 * An audit ANOM_ABEND printed before the crash line of the same death (auditd's log merged ahead of the
 * kernel's, or a saver that reordered them): fold it into the crash, so one death is listed once.
 */
function foldEarlierAudit(deaths: Death[], crash: Death): void {
  for (let i = deaths.length - 1; i >= 0 && i >= deaths.length - 5; i--) {
    const a = deaths[i];
    if (a.pid !== crash.pid || a.boot !== crash.boot || a.kind !== 'signal' || a.details.auditSignal === undefined)
      continue;
    if (a.timeMs !== null && crash.timeMs !== null && Math.abs(a.timeMs - crash.timeMs) > AUDIT_GAP_MS) continue;
    put(crash.details, 'auditSignal', a.details.auditSignal);
    put(crash.details, 'exe', a.details.exe);
    crash.raw.unshift(...a.raw);
    if (crash.timeMs === null && a.timeMs !== null) crash.timeMs = a.timeMs;
    deaths.splice(i, 1);
    return;
  }
}

export interface Incidents {
  deaths: Death[];
  hungTasks: HungTask[];
  /** Panics: the machine died; no process death is claimed for them. */
  machineDeaths: MachineDeath[];
}

/** An oops report (header to panic line) is printed within this many ms. */
const OOPS_GAP_MS = 30_000;

function within(a: KernelRecord, b: KernelRecord, gapMs: number): boolean {
  if (a.boot !== b.boot) return false;
  if (a.timeMs !== null && b.timeMs !== null) return Math.abs(a.timeMs - b.timeMs) <= gapMs;
  if (a.monoUsec !== null && b.monoUsec !== null) return Math.abs(a.monoUsec - b.monoUsec) <= gapMs * 1000;
  return true;
}

const OOM_PARTS = new Set(['stack-task', 'memcg-usage', 'memcg-task', 'oom-summary', 'oom-kill-select']);

/** Deaths and hung-task warnings in log order. */
export function buildIncidents(events: readonly LocatedEvent[]): Incidents {
  const deaths: Death[] = [];
  const hungTasks: HungTask[] = [];
  const machineDeaths: MachineDeath[] = [];
  let oom: OomDraft | null = null;
  // An oops header waiting for its task line, then for a panic line that would make it a machine death.
  let oops: OopsDraft | null = null;
  let oopsAt = 0;
  let lastCause: LocatedEvent | null = null;
  /** An oops that did not end in a panic killed its task: listed where its header was, in log order. */
  const settleOops = (): void => {
    const death = oops ? oopsDeath(oops) : null;
    if (death) deaths.splice(Math.min(oopsAt, deaths.length), 0, death);
    oops = null;
  };
  // A fault line without a pid, waiting for show_regs' task line.
  let pending: { e: FaultEvent; record: KernelRecord } | null = null;
  const handledBus = new Set<string>();
  const pushFault = (death: Death): void => {
    if (death.details.fatalSignalReport === true && mergeFatalSignal(deaths, death)) return;
    if (death.details.reason === 'hardware-memory-error' && handledMemoryFailure(deaths, handledBus, death)) return;
    deaths.push(death);
  };
  const flush = (): void => {
    if (oom) {
      const death = oomDeath(oom);
      if (death) deaths.push(death);
    }
    oom = null;
  };
  for (const located of events) {
    const { event: e, record } = located;
    if (oops && !within(oops.header.record, record, OOPS_GAP_MS)) settleOops();
    if (e.type === 'oops-cause') {
      lastCause = located;
      continue;
    }
    if (e.type === 'oops-where') {
      if (oops && !oops.where && nextTo(oops.header.record, record)) oops.where = located;
      continue;
    }
    if (e.type === 'oops-header') {
      settleOops();
      const cause = lastCause && nextTo(lastCause.record, record) ? lastCause : null;
      oops = { header: located, cause, task: null };
      oopsAt = deaths.length;
      lastCause = null;
      continue;
    }
    if (e.type === 'kernel-panic') {
      const o: OopsDraft | null = oops;
      machineDeaths.push({
        ...stampOf(record),
        timeMs: record.timeMs,
        boot: record.boot,
        reason: e.reason,
        oops: o ? (o.header.event as Extract<KernelEvent, { type: 'oops-header' }>).header : null,
        raw: [...(o ? [o.header.record.message] : []), record.message],
      });
      // The oops did not end in its task's death but in the machine's: no victim is claimed.
      oops = null;
      continue;
    }
    // The first task line after a die header names the task it ran for (pid 0: the idle task, no victim).
    if (
      e.type === 'stack-task' &&
      oops &&
      oops.task === null &&
      nextTo(oops.header.record, record) &&
      !(pending && pending.record.seq > oops.header.record.seq)
    ) {
      oops.task = located;
      continue;
    }
    // arm/arm64 __die's task line with no die header before it (a wall message or an excerpt kept only the
    // emergency-level lines): only __die prints it, so an oops ran for this task (arch/arm/kernel/traps.c,
    // arch/arm64/kernel/traps.c before 4.18, both make_task_dead(SIGSEGV) / do_exit(SIGSEGV)).
    if (
      e.type === 'stack-task' &&
      e.dieTask === true &&
      e.pid > 0 &&
      !(oops && (oops.task === null || (oops.task.event.type === 'stack-task' && oops.task.event.pid === e.pid)))
    ) {
      settleOops();
      const header: LocatedEvent = {
        event: { type: 'oops-header', what: 'Oops', signal: 'SIGSEGV', dieCount: 0, arch: 'arm', header: '' },
        record,
      };
      const cause = lastCause && nextTo(lastCause.record, record) ? lastCause : null;
      oops = { header, cause, task: located };
      oopsAt = deaths.length;
      lastCause = null;
      continue;
    }
    if (e.type === 'stack-task' && e.pid === 0) continue;
    if (e.type === 'stack-task' && pending && nextTo(pending.record, record)) {
      const p = pending;
      pending = null;
      pushFault(faultDeath(p.e, p.record, e.pid, ('comm' in p.e && p.e.comm) || e.comm));
      continue;
    }
    if (e.type === 'kill-survived') {
      // The killer's own word that its signal did not end the process: its kill line is no death.
      for (let i = deaths.length - 1; i >= 0 && i >= deaths.length - 20; i--) {
        const x = deaths[i];
        if (x.pid === e.pid && x.boot === record.boot && x.details.killer === e.by) {
          deaths.splice(i, 1);
          break;
        }
      }
      continue;
    }
    if (e.type === 'userspace-death') {
      // One death told twice (systemd-coredump after the kernel's crash line, upstart after it): one entry.
      const same = deaths
        .slice(-5)
        .find((x) => x.pid === e.pid && x.boot === record.boot && sameMoment(x, record, REPORT_GAP_MS));
      if (same) {
        put(same.details, 'reportedBy', e.by);
        same.raw.push(record.message);
        continue;
      }
      deaths.push(faultDeath(e, record, e.pid, e.comm));
      continue;
    }
    if (e.type === 'user-fault' || e.type === 'fatal-signal' || e.type === 'lmk-kill' || e.type === 'memory-failure') {
      if (e.pid === null) pending = { e, record };
      else pushFault(faultDeath(e, record, e.pid, e.comm ?? ''));
      continue;
    }
    if (e.type === 'oom-header') {
      flush();
      oom = { parts: [located], lastMs: record.timeMs, boot: record.boot };
    } else if (OOM_PARTS.has(e.type)) {
      // A stack-task line outside an OOM incident is just a warning's stack dump.
      if (e.type === 'stack-task' && !oom) continue;
      if (oom && close(record, oom.lastMs, oom.boot)) {
        oom.parts.push(located);
        oom.lastMs = record.timeMs ?? oom.lastMs;
      } else if (e.type !== 'stack-task') {
        flush();
        oom = { parts: [located], lastMs: record.timeMs, boot: record.boot };
      }
    } else if (e.type === 'oom-killed') {
      if (!(oom && close(record, oom.lastMs, oom.boot))) flush();
      const draft: OomDraft = oom ?? { parts: [], lastMs: record.timeMs, boot: record.boot };
      draft.parts.push(located);
      oom = draft;
      flush();
    } else if (e.type === 'oom-reaped' || e.type === 'oom-reap-failed') {
      const victim = [...deaths]
        .reverse()
        .find((x) => x.kind === 'oom-kill' && x.pid === e.pid && x.boot === record.boot);
      if (victim) {
        put(victim.details, 'reaped', e.type === 'oom-reaped');
        victim.raw.push(record.message);
      }
    } else if (e.type === 'segfault' || e.type === 'trap') {
      const death = crashDeath(e, record);
      if (death) {
        foldEarlierAudit(deaths, death);
        deaths.push(death);
      }
    } else if (e.type === 'audit-abend') {
      mergeAudit(deaths, e, record);
    } else if (e.type === 'hung-task') {
      hungTasks.push({
        pid: e.pid,
        comm: e.comm,
        ...stampOf(record),
        seconds: e.seconds,
        timeMs: record.timeMs,
        boot: record.boot,
        raw: record.message,
      });
    }
  }
  flush();
  settleOops();
  return { deaths, hungTasks, machineDeaths };
}

const incidentMemo = new WeakMap<readonly KernelRecord[], Incidents>();

/** Incidents of a record list, memoised on the array. */
function incidentsOf(records: readonly KernelRecord[]): Incidents {
  let inc = incidentMemo.get(records);
  if (!inc) {
    inc = buildIncidents(locateEvents(records));
    incidentMemo.set(records, inc);
  }
  return inc;
}

/** The kernel keeps 15 characters of a name (TASK_COMM_LEN 16). */
const commKey = (name: string): string => name.slice(0, 15);

/** True when a record's comm and a name the user gave refer to the same process name. */
export function sameComm(comm: string, name: string): boolean {
  if (comm === name) return true;
  // The kernel truncates at 15 bytes; compare on the shorter of the two when one was cut.
  const a = commKey(comm);
  const b = commKey(name);
  return a === b || (Buffer.byteLength(comm) >= 15 && name.startsWith(comm));
}

/**
 * Kernel-log times (printk's clock) and process start times (boot-time clock, in ticks) come from two
 * clocks: measured here, a process that writes to /dev/kmsg as it starts gets a record up to 2.4 ms before
 * its own start time in one run of four. A process that crashes at once would lose its death to that. A pid
 * is not reused within this margin (it takes a whole pid_max of forks), so it blames no earlier holder.
 */
export const CLOCK_SKEW_MS = 50;

function matches(x: { pid: number; comm: string; timeMs: number | null }, f: DeathFilter): boolean {
  if (f.pid !== undefined && x.pid !== f.pid) return false;
  if (f.name !== undefined && !sameComm(x.comm, f.name)) return false;
  // A record without a time cannot be placed after a start time: do not blame it on this process.
  if (f.after !== undefined && (x.timeMs === null || x.timeMs < f.after - CLOCK_SKEW_MS)) return false;
  if (f.before !== undefined && x.timeMs !== null && x.timeMs > f.before + CLOCK_SKEW_MS) return false;
  return true;
}

const mentionMemo = new WeakMap<readonly KernelRecord[], Map<string, boolean>>();
const AUDIT_MARKS = ['ANOM_ABEND', '=1701'];

/**
 * False only when no record can hold a death or hung task matching the filter's pid or name, so the
 * whole log need not be parsed to say "nothing" (the common answer for a live process; parsing a ring
 * buffer full of OOM kills costs milliseconds, mostly compiling the regexes). Every line that names a
 * victim prints its pid in decimal and its comm as text: a name is searched by its first 15 characters
 * (the kernel's comm), and only when it is ASCII and no audit record (which may print comm in hex) is
 * in the log. True whenever it cannot tell.
 */
function mayMention(records: readonly KernelRecord[], filter: DeathFilter): boolean {
  let needle: string;
  if (filter.pid !== undefined) needle = String(filter.pid);
  else if (filter.name !== undefined && /^[\x21-\x7e]+$/.test(filter.name)) needle = commKey(filter.name);
  else return true;
  const byNeedle = mentionMemo.get(records) ?? new Map<string, boolean>();
  mentionMemo.set(records, byNeedle);
  const known = byNeedle.get(needle);
  if (known !== undefined) return known;
  const isPid = filter.pid !== undefined;
  const found = records.some(
    (r) => r.message.includes(needle) || (!isPid && AUDIT_MARKS.some((m) => r.message.includes(m))),
  );
  byNeedle.set(needle, found);
  return found;
}

/** Deaths matching every given filter field, newest first. */
export function findDeaths(records: readonly KernelRecord[], filter: DeathFilter = {}): Death[] {
  if (!incidentMemo.has(records) && !mayMention(records, filter)) return [];
  return incidentsOf(records)
    .deaths.filter((x) => matches(x, filter))
    .reverse();
}

/** Panics in the log (the machine died), newest first. */
export function findMachineDeaths(records: readonly KernelRecord[]): MachineDeath[] {
  return [...incidentsOf(records).machineDeaths].reverse();
}

/** Hung-task warnings matching the filter, newest first. */
export function findHungTasks(records: readonly KernelRecord[], filter: DeathFilter = {}): HungTask[] {
  if (!incidentMemo.has(records) && !mayMention(records, filter)) return [];
  return incidentsOf(records)
    .hungTasks.filter((x) => matches(x, filter))
    .reverse();
}
