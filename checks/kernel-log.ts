/**
 * kernel-log: did the kernel kill or crash this process (OOM killer, segfault, trap, abnormal end)?
 * Runs for dead targets too (no `requires`): that is its main job. A record is blamed on the target
 * only when pid, name and time agree; a record older than the process now holding the pid belongs to
 * an earlier process (PID reuse) and is reported as such.
 */
import type { Cause, Check, CheckContext, Evidence, FindingInput, JsonValue } from '../src/engine/types';
import { adviceFor, describeDeath, describeMachineDeath, formatTime, whenOf } from '../src/source/kernel-log/describe';
import { findDeaths, findHungTasks, findMachineDeaths, sameComm } from '../src/source/kernel-log/incidents';
import { formatWall } from '../src/source/kernel-log/wall-time';
import { readKernelLog, type KernelLogRead } from '../src/source/kernel-log/read';
import { UNKNOWN_SIGNAL, type Death, type DeathFilter } from '../src/source/kernel-log/types';
import { latestRecordedCause, latestRecordedStartMs } from '../src/source/records/later-holder';
import {
  findSuppressions,
  RATELIMIT_BURST,
  RATELIMIT_WINDOW_MS,
  suppressionsDuring,
  type Suppression,
} from '../src/source/kernel-log/suppressed';

const CATCH_NEXT_TIME =
  'To catch it next time: keep `whydied watch <pid>` running while it works (records the signal and who sent it), and keep the kernel log readable (sysctl kernel.dmesg_restrict=0 or run whydied as root).';

function deathCause(d: Death, log: KernelLogRead): Cause {
  const details: Evidence = { pid: d.pid, comm: d.comm, boot: d.boot, logSource: log.source, ...d.details };
  // A saved log's own stamp, as written (its zone, or none; its year, or none): what the report shows.
  if (d.wall) details.logTime = formatWall(d.wall);
  if (d.uptimeSec !== undefined && d.uptimeSec !== null) details.uptimeSec = d.uptimeSec;
  return {
    kind: d.kind,
    // A core dump's line or an unknown fault code names no signal: none is claimed.
    ...(d.signal !== UNKNOWN_SIGNAL ? { signal: d.signal } : {}),
    ...(d.timeMs !== null ? { time: new Date(d.timeMs).toISOString() } : {}),
    source: 'kernel-log',
    details,
  };
}

const deathJson = (d: Death): JsonValue => ({
  pid: d.pid,
  comm: d.comm,
  kind: d.kind,
  signal: d.signal,
  time: d.timeMs === null ? null : new Date(d.timeMs).toISOString(),
  boot: d.boot,
  details: d.details,
  raw: d.raw,
});

/** `1234 (comm)`, or `1234` when the line names no comm (systemd-oomd's pid line). */
const named = (pid: number, comm: string): string => (comm === '' ? `${pid}` : `${pid} (${comm})`);
const line = (d: Death): string => `pid ${named(d.pid, d.comm)} ${describeDeath(d)}.`;

function searched(ctx: CheckContext, log: KernelLogRead, startMs: number | null): string[] {
  const out: string[] = [];
  const from =
    log.source === null ? 'no kernel log source could be read' : `read the kernel log from ${log.label ?? log.source}`;
  out.push(
    `Searched: ${from}, for pid ${ctx.target.pid}${ctx.target.name ? ` named ${ctx.target.name}` : ''} (OOM kills, segfaults, traps, kernel oopses, audit ANOM_ABEND).`,
  );
  if (log.earlierBoots.length > 0)
    out.push(`Also searched earlier boot(s) in the journal: ${log.earlierBoots.join(', ')}.`);
  for (const u of log.unreadable) out.push(`Could not read ${u}.`);
  if (log.oldestTimeMs !== null && startMs !== null && log.oldestTimeMs > startMs) {
    out.push(
      `The oldest kernel record is from ${formatTime(log.oldestTimeMs)}, after this process started: the ring buffer has wrapped and older messages are lost.`,
    );
  }
  return out;
}

function startMsOf(ctx: CheckContext): number | null {
  const t = ctx.target.startTime;
  if (t === null) return null;
  const h = ctx.facts.host();
  return Math.round((h.bootTime + t / h.clockTicks) * 1000);
}

function evidenceOf(log: KernelLogRead, deaths: Death[]): Evidence {
  return {
    source: log.source,
    boot: log.boot,
    unreadable: log.unreadable,
    oldestRecord: log.oldestTimeMs === null ? null : new Date(log.oldestTimeMs).toISOString(),
    deaths: deaths.map(deathJson),
  };
}

function diedFinding(d: Death, log: KernelLogRead, others: Death[], code: string, prefix: string): FindingInput {
  return {
    status: 'fail',
    code,
    summary: `${prefix}Process ${named(d.pid, d.comm)} ${describeDeath(d)}.`,
    details: [
      ...d.raw.map((r) => `kernel: ${r}`),
      ...others.map((o) => `Not this process (PID reuse or another name): ${line(o)}`),
    ],
    evidence: evidenceOf(log, [d, ...others]),
    remedy: { text: adviceFor(d), commands: [] },
    cause: deathCause(d, log),
  };
}

const NAMESPACE_NOTE =
  'whydied runs inside a PID namespace (a container) and the kernel log prints the pids of the initial namespace, so this process cannot be found there by its pid';

/**
 * Inside a PID namespace the kernel log's pids are the host's: a line about host pid N is not about this
 * namespace's pid N (a crash-looping unit's exit was once blamed on a host process's segfault that way).
 * Only a line whose comm is the target's name, dated after the target started (and before a later holder
 * of the pid), can be about it; it is shown as matched by name and time, and stays "possible".
 */
function runDeadInChildNamespace(
  ctx: CheckContext,
  log: KernelLogRead,
  startMs: number | null,
  holderStartMs: number | null,
  name: string | null,
): FindingInput {
  const details = searched(ctx, log, startMs);
  if (name !== null && startMs !== null) {
    const f: DeathFilter = { name, after: startMs };
    if (holderStartMs !== null) f.before = holderStartMs;
    const d = findDeaths(log.records, f)[0];
    if (d) {
      const finding = diedFinding(d, log, [], 'died', '');
      finding.summary = `Process ${named(ctx.target.pid, d.comm)} ${describeDeath(d)} (matched by name and time: the kernel log names host pid ${d.pid}).`;
      finding.details = [`${NAMESPACE_NOTE}; matched by name and time instead.`, ...(finding.details ?? [])];
      if (finding.cause?.details) finding.cause.details.match = 'name-time';
      return finding;
    }
  }
  details.push(
    `${NAMESPACE_NOTE}${name === null || startMs === null ? ', and its name or start time is not known to match by instead' : ''}.`,
  );
  return {
    status: 'info',
    code: 'no-record',
    summary: `The kernel log has no line that can be tied to process ${ctx.target.pid} (whydied runs in a PID namespace: the log's pids are the host's).`,
    details,
    evidence: evidenceOf(log, []),
  };
}

function runDead(ctx: CheckContext, log: KernelLogRead, holderStartMs: number | null): FindingInput {
  const { pid, name } = ctx.target;
  const p = ctx.facts.process(pid);
  const zombie = p !== null && p.stat.state === 'Z';
  // Without a start time, a watch record of a later holder of this pid still dates the one we mean:
  // a kernel-log death before that holder started is an earlier process's (pid reuse), never the cause.
  const startMs = startMsOf(ctx) ?? (zombie && p ? p.startedAtMs : null) ?? latestRecordedStartMs(ctx.facts, pid);
  if (log.pidNamespace === 'child')
    return runDeadInChildNamespace(ctx, log, startMs, holderStartMs, name ?? (zombie && p ? p.stat.comm : null));
  const filter: DeathFilter = { pid };
  if (name) filter.name = name;
  else if (zombie && p) filter.name = p.stat.comm;
  if (startMs !== null) filter.after = startMs;
  // The pid now belongs to a newer process: the death we want happened before it started.
  if (holderStartMs !== null) filter.before = holderStartMs;
  let deaths = findDeaths(log.records, filter);
  // The name hint may be argv[0]'s basename rather than the kernel's comm; pid + start time still
  // pin the process down, so retry without the name only when the start time is known.
  if (deaths.length === 0 && filter.name !== undefined && filter.after !== undefined) {
    deaths = findDeaths(log.records, { ...filter, name: undefined });
  }
  const others = findDeaths(log.records, { pid }).filter((o) => !deaths.includes(o));
  if (deaths.length > 0) {
    const prefix = holderStartMs !== null ? `Pid ${pid} now belongs to another process. ` : '';
    return diedFinding(deaths[0], log, others, holderStartMs !== null ? 'pid-reused' : 'died', prefix);
  }
  const details = searched(ctx, log, startMs);
  for (const o of others) details.push(`Not this process (PID reuse or another name): ${line(o)}`);
  // Only a death that can have printed a crash line can have lost it to the rate limit: a recorded exit
  // status or a signal sent by another process never printed one. (The records are asked only when
  // there is a window to weigh: most logs have none.)
  const windows = suppressionsDuring(findSuppressions(log.records), startMs, holderStartMs);
  const recorded = windows.length > 0 ? latestRecordedCause(ctx.facts, pid) : null;
  const couldCrash =
    recorded === null ||
    recorded.kind === 'unknown' ||
    (recorded.kind === 'signal' && CRASH_SIGNALS.has(recorded.signal ?? ''));
  const dropped = couldCrash ? windows : [];
  // Windows anywhere in the boot say little about a process whose start is unknown: a note, not a warning.
  if (dropped.length > 0 && startMs !== null) return suppressedFinding(ctx, log, others, dropped, details, startMs);
  if (dropped.length > 0) {
    const total = dropped.reduce((n, s) => n + s.count, 0);
    details.push(
      `The kernel dropped ${total} crash report(s) this boot (rate limit: ${RATE_LIMIT}), the latest ${span(dropped[dropped.length - 1])}; its start time is unknown, so whether it died then cannot be told.`,
    );
  }
  // A panic ends every process with the machine: no line names this one, but that may be how it ended.
  for (const m of findMachineDeaths(log.records).slice(0, 3)) {
    const sentence = describeMachineDeath(m);
    details.push(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`);
  }
  details.push(CATCH_NEXT_TIME);
  return {
    status: 'info',
    code: 'no-record',
    summary: `The kernel log has no record of how process ${pid} ended (it was not OOM-killed or crashed while the log was kept${log.source === null ? ', or the log could not be read' : ''}).`,
    details,
    evidence: evidenceOf(log, others),
  };
}

const RATE_LIMIT = `${RATELIMIT_BURST} lines per ${RATELIMIT_WINDOW_MS / 1000} s`;
/** The signals a crash line reports (segfaults and traps). */
const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGTRAP']);

function span(s: Suppression): string {
  const to = s.toMs === null ? 'a time the log does not give' : formatTime(s.toMs);
  return s.fromMs === null ? `before ${to}` : `between ${formatTime(s.fromMs)} and ${to}`;
}

const suppressionJson = (s: Suppression): JsonValue => ({
  printer: s.printer,
  count: s.count,
  from: s.fromMs === null ? null : new Date(s.fromMs).toISOString(),
  to: s.toMs === null ? null : new Date(s.toMs).toISOString(),
  raw: s.raw,
});

/**
 * No line for this process, but the kernel dropped crash lines while it may have been dying: "no
 * record" would then be a claim the log cannot support. Said as a warning with the windows.
 */
function suppressedFinding(
  ctx: CheckContext,
  log: KernelLogRead,
  others: Death[],
  dropped: Suppression[],
  details: string[],
  startMs: number | null,
): FindingInput {
  const total = dropped.reduce((n, s) => n + s.count, 0);
  const when =
    dropped.length === 1
      ? span(dropped[0])
      : `in ${dropped.length} windows, the latest ${span(dropped[dropped.length - 1])}`;
  for (const s of dropped) details.push(`kernel: ${s.raw} (dropped ${span(s)})`);
  details.push(
    `The kernel prints segfault and trap lines at most ${RATE_LIMIT}; lines over that are dropped${startMs === null ? '' : ' (only windows after this process started are listed)'}. Run \`whydied record\` to keep every death's signal whatever the kernel drops.`,
  );
  return {
    status: 'warn',
    code: 'suppressed',
    summary: `The kernel log has no line about process ${ctx.target.pid}, but the kernel dropped ${total} crash report(s) ${when} (rate limit): if it crashed then, its line was one of them.`,
    details,
    evidence: { ...evidenceOf(log, others), suppressed: dropped.map(suppressionJson) },
  };
}

function runAlive(ctx: CheckContext, log: KernelLogRead, startedAtMs: number, comm: string): FindingInput {
  const { pid, name } = ctx.target;
  // Inside a PID namespace the log's pids are the host's: nothing in it is about this pid.
  const byPid = log.pidNamespace !== 'child';
  const hung = byPid ? findHungTasks(log.records, { pid, after: startedAtMs }) : [];
  const earlierPid = byPid ? findDeaths(log.records, { pid, before: startedAtMs }) : [];
  const sameName = findDeaths(log.records, { name: name ?? comm }).filter((d) => d.pid !== pid);
  const details: string[] = [];
  for (const d of earlierPid) details.push(`Earlier holder of pid ${pid} (PID reuse, not this process): ${line(d)}`);
  for (const d of sameName.slice(0, 5)) details.push(`Another process with this name: ${line(d)}`);
  const evidence = evidenceOf(log, [...earlierPid, ...sameName.slice(0, 5)]);
  if (hung.length > 0) {
    const h = hung[0];
    return {
      status: 'warn',
      code: 'hung-task',
      summary: `The kernel reported process ${pid} (${h.comm}) blocked in uninterruptible sleep for more than ${h.seconds} s ${whenOf(h)} (hung task; usually stuck I/O).`,
      details: [`kernel: ${h.raw}`, ...details],
      evidence,
    };
  }
  if (earlierPid.length > 0) {
    const d = earlierPid[0];
    return {
      status: 'info',
      code: 'pid-reused',
      summary: `Pid ${pid} was used before by ${d.comm}, which ${describeDeath(d)}; that was an earlier process, not this one.`,
      details,
      evidence,
    };
  }
  if (sameName.length > 0) {
    return {
      status: 'info',
      code: 'earlier-deaths',
      summary: `${sameName.length} earlier process(es) named ${sameName[0].comm} died in the kernel log; the latest: ${line(sameName[0])}`,
      details,
      evidence,
    };
  }
  if (log.source === null) {
    // Nothing was read: "no records" would be a claim the evidence does not support.
    return {
      status: 'info',
      code: 'unreadable',
      summary: `Could not read the kernel log: ${log.unreadable[0] ?? 'no source available'}.`,
      details: searched(ctx, log, startedAtMs),
      evidence,
    };
  }
  return {
    status: 'pass',
    code: 'clean',
    summary: `No kernel records for this process (searched ${log.label ?? log.source}).`,
    details: searched(ctx, log, startedAtMs),
    evidence,
  };
}

export const kernelLog: Check = {
  meta: {
    id: 'kernel-log',
    title: 'Kernel log',
    description:
      'OOM kills, segfaults, traps and abnormal ends recorded by the kernel (/dev/kmsg, dmesg, journalctl -k), attributed by pid, name and time.',
    codes: {
      died: 'The kernel log records how this process died (OOM kill, segfault, trap or abnormal end).',
      'pid-reused': 'The kernel log shows an earlier process with this pid; it is not the current one.',
      'no-record': 'The process is gone and the kernel log has no record of its death (what was searched is listed).',
      suppressed:
        'The process is gone, it has no kernel line, and the kernel dropped crash lines (rate limit) while it may have died.',
      'hung-task': 'The kernel reported this process blocked in uninterruptible sleep (hung task).',
      'earlier-deaths': 'Other processes with this name died in the kernel log.',
      clean: 'The process is alive and the kernel log has nothing about it.',
      unreadable:
        'The process is alive and no kernel log source could be read (dmesg_restrict, no journal), so nothing was searched.',
    },
  },
  run(ctx) {
    const log = readKernelLog(ctx.facts);
    const { pid, name } = ctx.target;
    const p = ctx.facts.process(pid);
    const gone = p === null || p.stat.state === 'Z' || p.stat.state === 'X';
    if (gone) return runDead(ctx, log, null);
    const reused = ctx.model.existence.state === 'pid-reused';
    if (reused) return runDead(ctx, log, p.startedAtMs);
    // A name hint that is not the live holder's comm and that died on this pid before it started.
    if (
      name &&
      log.pidNamespace !== 'child' &&
      !sameComm(p.stat.comm, name) &&
      findDeaths(log.records, { pid, name, before: p.startedAtMs }).length > 0
    ) {
      return runDead(ctx, log, p.startedAtMs);
    }
    return runAlive(ctx, log, p.startedAtMs, p.stat.comm);
  },
};
