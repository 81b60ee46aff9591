/**
 * systemd-unit: what the service manager knows about this process's unit. Live: the unit, whether the
 * process is its main process, Restart=, KillMode=, MemoryMax=. Dead: the unit found by the manager's
 * ExecMainPID, the process's own journal lines (_SYSTEMD_UNIT) or its coredump (COREDUMP_UNIT), and what
 * systemd recorded: result, exit status or signal, restart count and when it restarts next; for a login
 * session scope, when the session's scope was stopped. Reads only through ctx.facts.
 */
import type { Cause, Check, CheckContext, FindingInput } from '../src/engine/types';
import { classifyCgroupPath } from '../src/model/cgroup-path';
import { formatTime } from '../src/source/kernel-log/describe';
import { signalName } from '../src/source/signals';
import {
  managerRunning,
  unitStates,
  userUnitStates,
  userGid,
  userName,
  unitsByMainPid,
  isUnitName,
  timespanMs,
  type UnitState,
} from '../src/source/systemd';
import { readKillUserProcesses } from '../src/source/systemd/logind';
import { readKernelLog } from '../src/source/kernel-log/read';
import { findDeaths } from '../src/source/kernel-log/incidents';
import { journalFilesMissing, ownLines, queryJournal, unitsOfEntries } from '../src/source/journal/read';
import { journalEvent } from '../src/source/journal/parse';

export type SystemdUnitEvidence = {
  unit: string | null;
  /** How the unit was found: the live cgroup, the target named it, the manager's ExecMainPID, the pid's journal lines, its coredump. */
  foundBy: 'cgroup' | 'target' | 'exec-main-pid' | 'journal' | 'coredump' | null;
  isMainProcess: boolean | null;
  mainPid: number | null;
  execMainPid: number | null;
  activeState: string | null;
  subState: string | null;
  result: string | null;
  restart: string | null;
  restartSec: string | null;
  killMode: string | null;
  memoryMax: number | null;
  nRestarts: number | null;
  /** ISO time of the next automatic restart, when the unit is waiting for one. */
  nextRestart: string | null;
  exit: { code: string; status: number | null; signal: string | null; time: string | null } | null;
  queries: string[];
};

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const mib = (b: number): string => (b % 1048576 === 0 ? `${b / 1048576}M` : `${b}`);

function blank(): SystemdUnitEvidence {
  return {
    unit: null,
    foundBy: null,
    isMainProcess: null,
    mainPid: null,
    execMainPid: null,
    activeState: null,
    subState: null,
    result: null,
    restart: null,
    restartSec: null,
    killMode: null,
    memoryMax: null,
    nRestarts: null,
    nextRestart: null,
    exit: null,
    queries: [],
  };
}

function fill(e: SystemdUnitEvidence, u: UnitState, pid: number): void {
  e.unit = u.id;
  e.mainPid = u.mainPid || null;
  e.execMainPid = u.execMainPid || null;
  e.isMainProcess = u.mainPid === pid || (u.mainPid === 0 && u.execMainPid === pid);
  e.activeState = u.activeState;
  e.subState = u.subState;
  e.result = u.result;
  e.restart = u.type === 'service' ? u.restart : null;
  e.restartSec = u.type === 'service' ? u.restartUSec : null;
  e.killMode = u.killMode;
  e.memoryMax = u.memoryMax;
  e.nRestarts = u.type === 'service' ? u.nRestarts : null;
  if (u.subState === 'auto-restart' && u.execMainExitMs !== null) {
    const delay = timespanMs(u.restartUSec);
    e.nextRestart = delay === null ? null : iso(u.execMainExitMs + delay);
  }
}

function settings(e: SystemdUnitEvidence): string {
  const bits: string[] = [];
  if (e.restart) bits.push(`Restart=${e.restart}`);
  if (e.killMode) bits.push(`KillMode=${e.killMode}`);
  bits.push(`MemoryMax=${e.memoryMax === null ? 'infinity' : mib(e.memoryMax)}`);
  return bits.join(', ');
}

function live(ctx: CheckContext, e: SystemdUnitEvidence): FindingInput {
  const pid = ctx.target.pid;
  const cg = ctx.facts.cgroups(pid);
  let unit: string | null = null;
  // A unit of a user's manager (user@UID.service/.../NAME.service): asked of that manager, as that user.
  let owner: { uid: number; gid: number; name: string } | null = null;
  if (cg.ok) {
    for (const c of cg.value) {
      const k = classifyCgroupPath(c.path);
      if ((k.kind === 'service' || k.kind === 'session-scope' || k.kind === 'user-scope') && k.unit) unit = k.unit;
      else if (k.kind === 'user-manager' && k.unit && k.uid !== null && k.unit !== `user@${k.uid}.service` && !unit) {
        const gid = userGid(ctx.facts, k.uid);
        if (gid !== null) {
          unit = k.unit;
          owner = { uid: k.uid, gid, name: userName(ctx.facts, k.uid) ?? `uid ${k.uid}` };
        }
      }
    }
  }
  if (!unit) return { status: 'pass', code: 'no-unit', summary: 'Not in a unit of the system manager.', evidence: e };
  const read = owner ? userUnitStates(ctx.facts, owner, [unit]) : unitStates(ctx.facts, [unit]);
  const whose = owner ? `${owner.name}'s user manager (systemd --user)` : 'systemd';
  if (read.argv) e.queries.push(read.argv.join(' '));
  const u = read.ok ? read.units.find((x) => x.id === unit) : undefined;
  if (!u)
    return {
      status: 'info',
      code: 'unit-unknown',
      summary: `In ${unit}, which ${owner ? whose : 'the manager'} did not describe${read.ok ? '' : ` (${read.why})`}.`,
      evidence: { ...e, unit, foundBy: 'cgroup' },
    };
  e.foundBy = 'cgroup';
  fill(e, u, pid);
  if (u.type !== 'service') {
    return {
      status: 'pass',
      code: 'unit-member',
      summary: `In ${u.id}${owner ? ` of ${whose}` : ''} (${settings(e)}).`,
      evidence: e,
    };
  }
  if (e.isMainProcess) {
    return {
      status: 'pass',
      code: 'unit-main',
      summary: `The main process of ${u.id}, started by ${whose} (${settings(e)}${e.nRestarts ? `; restarted ${e.nRestarts} time(s)` : ''}).`,
      evidence: e,
    };
  }
  return {
    status: 'pass',
    code: 'unit-member',
    summary: `In ${u.id}${owner ? ` of ${whose}` : ''}, whose main process is ${u.mainPid || 'none'} (${settings(e)}).`,
    evidence: e,
  };
}

/**
 * A SIGKILL the manager reports as Result=signal may be a memory-cgroup OOM kill: a cgroup v1 memory
 * controller gives systemd no 'oom-kill' result. The kernel names the unit's cgroup in its oom-kill
 * line (pids there may be another pid namespace's), so match the cgroup and the time, not the pid.
 */
function kernelOomOfUnit(ctx: CheckContext, u: UnitState): { memcg: string; timeMs: number | null } | null {
  if (u.execMainCode !== 'killed' || u.execMainStatus !== 9 || u.execMainExitMs === null) return null;
  const log = readKernelLog(ctx.facts);
  const deaths = findDeaths(log.records, { after: u.execMainExitMs - 10000, before: u.execMainExitMs + 5000 });
  for (const d of deaths) {
    const memcg = [d.details.taskMemcg, d.details.memcg].find(
      (m): m is string => typeof m === 'string' && (m.endsWith(`/${u.id}`) || m.includes(`/${u.id}/`)),
    );
    if (d.kind === 'oom-kill' && memcg) return { memcg, timeMs: d.timeMs };
  }
  return null;
}

/**
 * systemd-oomd's own line for this unit's cgroup near its exit (`Killed /x.slice/u.service due to memory
 * pressure for /x.slice being 24.16% > 15.00% for > 5s ...`; systemd 252 src/oom/oomd.c). Asked only for a
 * Result=oom-kill with no kernel OOM line: on cgroup v2 systemd gives that result for both killers.
 */
function oomdKillOfUnit(ctx: CheckContext, u: UnitState, e: SystemdUnitEvidence): OomdKill | null {
  if (u.execMainExitMs === null) return null;
  const queries: string[][] = [];
  const r = queryJournal(
    ctx.facts,
    ['SYSLOG_IDENTIFIER=systemd-oomd'],
    { sinceMs: u.execMainExitMs - 30000, limit: 50 },
    queries,
  );
  e.queries.push(...queries.map((q) => q.join(' ')));
  if (!r.ok) return null;
  for (const entry of r.value) {
    const ev = journalEvent(entry);
    if (ev?.type !== 'oomd-kill' || !(ev.cgroup.endsWith(`/${u.id}`) || ev.cgroup.includes(`/${u.id}/`))) continue;
    if (entry.timeMs !== null && Math.abs(entry.timeMs - u.execMainExitMs) > 30000) continue;
    return {
      cgroup: ev.cgroup,
      watched: ev.watched ?? null,
      pressurePct: ev.pressurePct ?? null,
      limitPct: ev.limitPct ?? null,
      reason: ev.reason ?? null,
    };
  }
  return null;
}

interface OomdKill {
  cgroup: string;
  watched: string | null;
  pressurePct: number | null;
  limitPct: number | null;
  reason: 'pressure' | 'swap' | null;
}

function oomdWords(k: OomdKill): string {
  if (k.reason === 'swap')
    return 'was killed by systemd-oomd (SIGKILL) for swap use over its limit (ManagedOOMSwap=kill)';
  const figures = k.watched !== null ? ` for ${k.watched} at ${k.pressurePct}% > ${k.limitPct}%` : '';
  return `was killed by systemd-oomd (SIGKILL) for memory pressure${figures} (ManagedOOMMemoryPressure=kill)`;
}

/** How the manager says the last main process ended, as a cause and a sentence. */
function managerCause(
  u: UnitState,
  oom: { memcg: string } | null,
  oomd: OomdKill | null,
): { cause: Cause; words: string } | null {
  if (!u.execMainCode) return null;
  const time = iso(u.execMainExitMs);
  const details = { unit: u.id, result: u.result ?? '', code: u.execMainCode, nRestarts: u.nRestarts ?? 0 };
  if (u.execMainCode === 'exited') {
    return {
      cause: {
        kind: 'exit',
        ...(u.execMainStatus !== null ? { exitCode: u.execMainStatus } : {}),
        ...(time ? { time } : {}),
        source: 'systemd',
        details,
      },
      words: `exited with status ${u.execMainStatus ?? '?'}`,
    };
  }
  const signal = u.execMainStatus === null ? null : signalName(u.execMainStatus);
  const kind =
    u.result === 'oom-kill' || oom
      ? 'oom-kill'
      : u.execMainCode === 'dumped' && signal === 'SIGSEGV'
        ? 'segfault'
        : 'signal';
  // MemoryMax is named only for the kernel's memory-cgroup OOM kill it caused, never for systemd-oomd's.
  const limit = u.memoryMax === null ? '' : ` (MemoryMax=${mib(u.memoryMax)})`;
  const killer: Record<string, string> = oom
    ? { memcg: oom.memcg, killer: 'kernel' }
    : oomd
      ? { killer: 'systemd-oomd', cgroup: oomd.cgroup }
      : {};
  return {
    cause: {
      kind,
      ...(signal ? { signal } : {}),
      ...(oomd && !oom ? { sender: { pid: 0, comm: 'systemd-oomd' } } : {}),
      ...(time ? { time } : {}),
      source: 'systemd',
      details: { ...details, ...killer },
    },
    words: oom
      ? `was killed by the kernel OOM killer (SIGKILL) in memory cgroup ${oom.memcg}${limit}`
      : oomd
        ? oomdWords(oomd)
        : `was killed by ${signal ?? 'a signal'}${u.execMainCode === 'dumped' ? ' (core dumped)' : ''}${u.result === 'oom-kill' ? ' (Result=oom-kill: the kernel OOM killer or systemd-oomd; neither left a line naming it)' : ''}`,
  };
}

function restartWords(e: SystemdUnitEvidence, u: UnitState): string {
  const n = e.nRestarts ?? 0;
  if (e.nextRestart)
    return `; Restart=${e.restart}: restarted ${n} time(s) so far, next restart at ${formatTime(Date.parse(e.nextRestart))}`;
  if (u.mainPid && u.mainPid !== u.execMainPid) return `; restarted ${n} time(s); its main process is now ${u.mainPid}`;
  if (u.restart && u.restart !== 'no')
    return `; Restart=${u.restart}, restarted ${n} time(s), not restarting now (${u.activeState}/${u.subState})`;
  return `; Restart=${u.restart ?? 'no'}: systemd will not restart it`;
}

/** A login session scope's end (systemd's stop lines for the scope, logind's "Removed session"). */
function sessionEnd(
  ctx: CheckContext,
  e: SystemdUnitEvidence,
  unit: string,
  lastSeenMs: number | null,
): FindingInput | null {
  const session = /^session-(.+)\.scope$/.exec(unit);
  if (!session) return null;
  const queries: string[][] = [];
  const stops = queryJournal(
    ctx.facts,
    [`UNIT=${unit}`, '_PID=1', '+', `SESSION_ID=${session[1]}`],
    { sinceMs: lastSeenMs, limit: 20 },
    queries,
  );
  e.queries.push(...queries.map((q) => q.join(' ')));
  if (!stops.ok) return null;
  const stop = stops.value.find(
    (x) =>
      /^Stopping session-|^Stopped session-|: Deactivated successfully|^Removed session /.test(x.message) &&
      (lastSeenMs === null || (x.timeMs ?? 0) >= lastSeenMs),
  );
  if (!stop) return null;
  const kup = readKillUserProcesses(ctx.facts);
  const how =
    kup.value === true
      ? `logind stopped the scope because KillUserProcesses=yes (${kup.compiledDefault ? `compiled-in default, as ${kup.source} shows it` : kup.source})`
      : 'systemd stopped the scope';
  const time = iso(stop.timeMs);
  return {
    status: 'fail',
    code: 'session-ended',
    summary: `Process ${ctx.target.pid} ran in login session ${session[1]} (${unit}), which ended at ${formatTime(stop.timeMs)}: ${how}, which sends SIGTERM to every process left in it.`,
    details: stops.value.map((x) => `${formatTime(x.timeMs)} ${x.message}`),
    evidence: e,
    cause: {
      kind: 'signal',
      signal: 'SIGTERM',
      sender: { pid: 1, comm: 'systemd' },
      ...(time ? { time } : {}),
      source: 'journal',
      details: { unit, session: session[1], event: 'session-end', killUserProcesses: kup.value },
    },
  };
}

function dead(ctx: CheckContext, e: SystemdUnitEvidence): FindingInput {
  const pid = ctx.target.pid;
  // 1. The manager: a loaded service whose last main process was this pid (or the unit the target named).
  const named = ctx.target.name && isUnitName(ctx.target.name) ? ctx.target.name : null;
  const byPid = unitsByMainPid(ctx.facts, pid);
  if (byPid.read.argv) e.queries.push(byPid.read.argv.join(' '));
  let u = byPid.units.find((x) => x.execMainPid === pid && (named === null || x.id === named)) ?? null;
  if (u) {
    e.foundBy = named ? 'target' : 'exec-main-pid';
    fill(e, u, pid);
  }
  // 2. The journal: the pid's own lines name its cgroup's unit; a coredump names its unit.
  let lastSeenMs: number | null = null;
  if (!u && journalFilesMissing(ctx.facts) === null) {
    const queries: string[][] = [];
    const own = ownLines(ctx.facts, pid, null, queries);
    const dump = queryJournal(ctx.facts, [`COREDUMP_PID=${pid}`], { sinceMs: null, limit: 5 }, queries);
    e.queries.push(...queries.map((q) => q.join(' ')));
    const fromOwn = own.ok ? unitsOfEntries(own.value) : [];
    const fromDump = dump.ok ? dump.value.map((x) => x.fields.COREDUMP_UNIT).filter((x): x is string => !!x) : [];
    if (own.ok && own.value.length > 0) lastSeenMs = Math.max(...own.value.map((x) => x.timeMs ?? 0));
    const unit = fromOwn[0] ?? fromDump[0] ?? null;
    if (unit) {
      e.unit = unit;
      e.foundBy = fromOwn.length > 0 ? 'journal' : 'coredump';
      const ended = sessionEnd(ctx, e, unit, lastSeenMs);
      if (ended) return ended;
      const read = unitStates(ctx.facts, [unit]);
      const st = read.ok ? (read.units.find((x) => x.id === unit) ?? null) : null;
      if (st) {
        fill(e, st, pid);
        if (st.execMainPid === pid) u = st;
      }
      if (!u) {
        return {
          status: 'info',
          code: 'unit-known',
          summary: `Process ${pid} ran in ${unit} (from its ${e.foundBy === 'journal' ? 'journal lines' : 'coredump record'})${st ? `; the manager's last main process of it is ${st.execMainPid || 'none'}, not this one` : ', which the manager no longer holds'}.`,
          evidence: e,
        };
      }
    }
  }
  if (!u) {
    return {
      status: 'info',
      code: 'no-unit',
      summary: `No systemd unit records process ${pid} as its main process, and the journal names no unit for it.`,
      evidence: e,
    };
  }
  // cgroup v1 gives a memory-cgroup OOM kill Result=signal, v2 gives Result=oom-kill to the kernel's and
  // systemd-oomd's kills alike: the kernel's own line decides, then oomd's.
  const oom = kernelOomOfUnit(ctx, u);
  const oomd = !oom && u.result === 'oom-kill' ? oomdKillOfUnit(ctx, u, e) : null;
  const c = managerCause(u, oom, oomd);
  if (!c)
    return {
      status: 'info',
      code: 'unit-known',
      summary: `Process ${pid} was the main process of ${u.id} (${u.activeState}/${u.subState}).`,
      evidence: e,
    };
  e.exit = {
    code: u.execMainCode ?? '',
    status: u.execMainStatus,
    signal: c.cause.signal ?? null,
    time: iso(u.execMainExitMs),
  };
  return {
    status: 'fail',
    code: 'unit-result',
    summary: `Process ${pid}, the main process of ${u.id}, ${c.words} at ${formatTime(u.execMainExitMs)}; systemd recorded Result=${u.result ?? '?'}${restartWords(e, u)}.`,
    details: [`${settings(e)}`, `ActiveState=${u.activeState} SubState=${u.subState}`],
    evidence: e,
    cause: c.cause,
  };
}

export const systemdUnit: Check = {
  meta: {
    id: 'systemd-unit',
    title: 'systemd unit',
    description:
      "The process's systemd unit from the manager (systemctl show) and the journal: main process, Restart=, KillMode=, MemoryMax=; after death the unit's Result, exit status or signal, NRestarts and next restart; a login session's end.",
    codes: {
      'no-manager': 'systemd is not running here: there is no service manager to ask.',
      'no-unit': 'No unit of the system manager holds (or held) this process.',
      'unit-unknown': 'The process is in a unit the manager did not describe.',
      'unit-main': 'The process is the main process of a service started by systemd.',
      'unit-member': 'The process is in a unit but is not its main process.',
      'unit-known': 'The process ran in a unit, but the manager holds no result for it.',
      'unit-result': "The manager recorded how this process, the unit's last main process, ended.",
      'session-ended': 'The process ran in a login session scope that systemd stopped when the session ended.',
    },
    timeoutMs: 30000,
  },
  run(ctx) {
    const e = blank();
    if (!managerRunning(ctx.facts)) {
      return {
        status: 'skip',
        code: 'no-manager',
        summary: 'systemd is not running on this machine (no /run/systemd/system): no unit to ask about.',
        evidence: e,
      };
    }
    const p = ctx.facts.process(ctx.target.pid);
    const same =
      p !== null &&
      p.stat.state !== 'Z' &&
      (ctx.target.startTime === null || ctx.target.startTime === p.stat.startTime);
    return same ? live(ctx, e) : dead(ctx, e);
  },
};
