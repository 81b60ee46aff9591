/**
 * The verdict: THE one place that combines findings into a state, a verdict, the survival matrix and
 * the remedy. Checks only observe; every "so it dies when..." judgement lives here, each with a
 * reason that names the evidence it rests on.
 */
import type { Facts } from '../source/types';
import type { Cause, CheckTarget, Finding, ProcessState, ReportProcess, Risk, Verdict } from './types';
import type { ExistenceSection } from '../model/existence';
import { describeExitStatus } from '../model/existence';
import type { TargetModel } from '../model/target-model';
import { hierarchyRoot, type MemorySection } from '../model/memory';
import { buildRemedy, type RemedyInput } from './remedy';
import { REMEDY_KINDS, type RemedyStep } from './remedy-kinds';
import { eventInfo } from './events';
import { toolOf } from '../model/tools';
import { userHome } from '../source/systemd/logind';
import { eventWords, joinWords } from './words';
import { describeCause } from './describe-cause';
import { CAUSE_SOURCE_INFO } from '../source/cause';
import { readSections, SECTION_KEYS, SECTIONS } from '../model/sections';
import { evaluateRisks, SURVIVAL_RULES, type RiskEvidence, type SurvivalRule } from './survival';

export interface Decision {
  state: ProcessState;
  process: ReportProcess | null;
  verdict: Verdict;
  risks: Risk[];
  /** The remedy's steps, best first (the report carries their commands as remedy[] and all as remedySteps[]). */
  remedy: RemedyStep[];
}

/**
 * Did the check that presents a section run and read it? A section whose check was left out (--only,
 * --skip), skipped or failed is null for the rules: the matrix rests only on what the run looked at.
 */
function presented(findings: readonly Finding[], id: string): boolean {
  const f = findings.find((x) => x.id === id);
  return f !== undefined && f.status !== 'skip' && f.status !== 'error' && f.code !== 'unreadable';
}

/** The rules' view of the model: each section when its presenting check ran and read it, else null. */
function riskEvidence(model: TargetModel, findings: readonly Finding[], process: ReportProcess | null): RiskEvidence {
  return { ...readSections(model, (id) => presented(findings, id)), process };
}

/** How much a cause's kind says about one death: an OOM kill or a fault explains the signal it ended with. */
const KIND_DETAIL: Record<Cause['kind'], number> = {
  'oom-kill': 3,
  segfault: 3,
  trap: 3,
  signal: 2,
  exit: 1,
  unknown: 0,
};

/**
 * Which postmortem source wins when several propose a cause: direct observation beats inference (the
 * cause-sources table). Two accounts from systemd of the same death (its journal lines, its manager's
 * state) are compared by how specific they are first (Result=oom-kill over "killed by SIGKILL"; a core
 * dump's SIGSEGV over Result=core-dump), whatever their order.
 */
function better(c: Cause, best: Cause): boolean {
  const [mine, theirs] = [CAUSE_SOURCE_INFO[c.source], CAUSE_SOURCE_INFO[best.source]];
  if (mine.systemdAccount && theirs.systemdAccount && c.source !== best.source) {
    const d = KIND_DETAIL[c.kind] - KIND_DETAIL[best.kind];
    if (d !== 0) return d > 0;
  }
  return mine.rank > theirs.rank;
}

export function bestCause(findings: readonly Finding[]): Cause | null {
  let best: Cause | null = null;
  for (const f of findings) {
    if (!f.cause) continue;
    if (!best || better(f.cause, best)) best = f.cause;
  }
  return best;
}

function stateOf(target: CheckTarget, facts: Facts, ex: ExistenceSection | null, cause: Cause | null): ProcessState {
  if (ex) {
    if (ex.state === 'alive') return 'alive';
    if (ex.state === 'zombie') return 'zombie';
  } else {
    // existence was not run (--only): look for ourselves.
    const p = facts.process(target.pid);
    if (p && (target.startTime === null || target.startTime === p.stat.startTime)) {
      return p.stat.state === 'Z' ? 'zombie' : p.stat.state === 'X' ? 'dead' : 'alive';
    }
  }
  // Gone: "dead" when we know which process we mean (an identity or a record of it), else not found.
  return target.startTime !== null || target.name !== null || cause !== null ? 'dead' : 'not-found';
}

function processOf(facts: Facts, pid: number): ReportProcess | null {
  const p = facts.process(pid);
  if (!p) return null;
  return {
    pid: p.pid,
    ppid: p.stat.ppid,
    pgid: p.stat.pgrp,
    sid: p.stat.session,
    tty: p.tty.name,
    tpgid: p.stat.tpgid,
    comm: p.stat.comm,
    argv: p.argv.ok ? p.argv.value : null,
    exe: p.exe.ok ? p.exe.value : null,
    cwd: p.cwd.ok ? p.cwd.value : null,
    uid: p.status.ok && p.status.value.uid.length > 0 ? p.status.value.uid[0] : null,
    startTime: new Date(p.startedAtMs).toISOString(),
    state: p.stat.state,
  };
}

function who(proc: ReportProcess | null, pid: number, knownName: string | null): string {
  // A dead process has no /proc entry: its name comes from the query, a record or the kernel log.
  const name = proc?.comm ?? knownName;
  return name ? `Process ${pid} (${name})` : `Process ${pid}`;
}

/** The dead process's name as the finding that explained its death saw it (record or kernel log). */
function victimName(findings: readonly Finding[], cause: Cause | null): string | null {
  if (!cause) return null;
  // The winning finding first, then any other that explained the death (a watch names no comm; its record does).
  const explaining = findings
    .filter((x) => x.cause)
    .sort((a, b) => Number(b.cause === cause) - Number(a.cause === cause));
  for (const f of explaining) {
    const name = commOf(f.evidence);
    if (name) return name;
  }
  return null;
}

function commOf(ev: Finding['evidence']): string | null {
  if (typeof ev.comm === 'string') return ev.comm;
  const deaths = ev.deaths;
  if (Array.isArray(deaths) && deaths.length > 0) {
    const first = deaths[0];
    if (first && typeof first === 'object' && !Array.isArray(first) && typeof first.comm === 'string')
      return first.comm;
  }
  return null;
}

/**
 * Who should have reaped a zombie. A zombie reparented to pid 1 means that init does not reap orphans
 * (a container whose pid 1 is not a real init): restarting "the parent" is not the fix there.
 */
function zombieParent(facts: Facts, ppid: number | null): string {
  if (ppid === null || ppid === 0) return 'It is a zombie that nobody has reaped yet.';
  const comm = facts.process(ppid)?.stat.comm ?? null;
  const parent = comm ? `${comm} (pid ${ppid})` : `pid ${ppid}`;
  if (ppid === 1) {
    return `It is a zombie: it was reparented to ${parent}, an init that does not reap orphaned children (in a container, run it with an init that reaps, e.g. docker run --init or tini).`;
  }
  return `It is a zombie: its parent ${parent} has not reaped it (fix or restart the parent).`;
}

/** The checks the survival matrix rests on (the sections' presenters); a run without them cannot promise survival. */
const RISK_CHECKS = SECTION_KEYS.map((k) => SECTIONS[k].presentedBy);

export function decide(input: {
  target: CheckTarget;
  facts: Facts;
  findings: Finding[];
  model: TargetModel;
  rules?: readonly SurvivalRule[];
}): Decision {
  const { target, facts, findings, model } = input;
  const ex = presented(findings, SECTIONS.existence.presentedBy) ? model.existence : null;
  const cause = bestCause(findings);
  const state = stateOf(target, facts, ex, cause);
  const alive = state === 'alive' || state === 'zombie';
  const proc = alive ? processOf(facts, target.pid) : null;
  const name = who(proc, target.pid, target.name ?? victimName(findings, cause));

  if (state === 'zombie') {
    const ppid = proc?.ppid ?? null;
    return {
      state,
      process: proc,
      verdict: {
        status: cause ? 'died' : 'at-risk',
        summary: `${cause ? `${deathSummary(findings, cause, name)} ` : `${name} ${ex?.exitStatus ? describeExitStatus(ex.exitStatus) : 'has already exited'}. `}${zombieParent(facts, ppid)}`,
        cause,
      },
      risks: [],
      remedy: [],
    };
  }
  if (!alive) {
    return {
      state,
      process: null,
      verdict: cause
        ? { status: 'died', summary: deathSummary(findings, cause, name), cause }
        : {
            status: 'unknown',
            summary: `${name} is not running and no kernel log, journal or record explains why.`,
            cause: null,
          },
      risks: [],
      remedy: [],
    };
  }

  const ev = riskEvidence(model, findings, proc);
  // Plugin rules first: a plugin knows its own launcher better than the built-in table does.
  const risks = evaluateRisks(
    ev,
    input.rules && input.rules.length > 0 ? [...input.rules, ...SURVIVAL_RULES] : SURVIVAL_RULES,
  );
  // A keeper's own end (its supervisor stopped, its tmux server killed) is a death the user chooses: shown
  // in the matrix, never a threat that makes the verdict at-risk (Risk.by).
  const dies = risks.filter((r) => r.outcome === 'dies' && r.by !== 'keeper');
  if (ex?.kernelThread) {
    return {
      state,
      process: proc,
      verdict: {
        status: 'ok',
        summary: `${name} is a kernel thread: hangups, sessions and CI cleanup do not apply.`,
        cause: null,
      },
      risks,
      remedy: [],
    };
  }
  // An undecided keeper's end (a program's own worker) is, like a decided one, no threat to the verdict.
  const undecided = risks.filter((r) => r.outcome === 'unknown' && r.by !== 'keeper');
  // The same memoised read the cgroup and memory checks used (limit null when unlimited).
  const mem = facts.memoryCgroup(target.pid);
  const steps =
    (dies.length > 0 || undecided.length > 0) && proc && proc.argv
      ? buildRemedy({
          argv: proc.argv,
          exe: proc.exe,
          cwd: proc.cwd,
          comm: proc.comm,
          pid: proc.pid,
          uid: proc.uid,
          gid: gidOf(facts, proc.pid),
          keeper: keeperOf(ev),
          insideContainer: insideContainer(ev, facts),
          stdoutFile: ev.stdio?.stdoutFile ?? null,
          ciMarkers: ev.ci?.markers ?? [],
          risks,
          tools: facts.hostTools(),
          userManager: ev.cgroup?.kind === 'user-manager',
          home: proc.uid !== null ? userHome(facts, proc.uid) : null,
          memoryCgroup: limitToRaise(mem, ev.memory),
          rlimits: rlimitsToRaise(ev),
        })
      : [];
  const remedy = steps;
  const first = steps[0];
  const kind = first ? REMEDY_KINDS[first.kind] : null;
  // A relaunch inside a container stays in it: when the container's stop is a threat it runs from the host.
  const fromHost = kind?.relaunch && dies.some((r) => eventInfo(r.event)?.relaunchFromHost) ? 'from the host, ' : '';
  const fix = first && kind ? `; ${fromHost}${kind.verdict} \`${first.command}\`` : '';
  const notRun = RISK_CHECKS.filter((id) => !findings.some((f) => f.id === id));
  if (dies.length === 0 && notRun.length > 0) {
    // A partial run (--only, --skip) saw too little to call the process safe: say so, never `ok`.
    return {
      state,
      process: proc,
      verdict: {
        status: 'unknown',
        summary: `${name} is alive; this partial run did not run ${joinWords(notRun)}, so it cannot say that nothing threatens it.`,
        cause: null,
      },
      risks,
      remedy,
    };
  }
  if (dies.length === 0 && undecided.length === 0) {
    return {
      state,
      process: proc,
      verdict: {
        status: 'ok',
        summary: `${name} is alive and no threat found reaches it${keeperNote(risks)}.`,
        cause: null,
      },
      risks,
      remedy,
    };
  }
  if (dies.length === 0) {
    const sure = first ? `; to be sure, relaunch it with \`${first.command}\`` : '';
    return {
      state,
      process: proc,
      verdict: {
        status: 'uncertain',
        summary: `${name} is alive; /proc cannot decide whether it survives ${joinWords(undecided.map((r) => eventWords(r.event)))}: ${undecided[0].reason}${sure}.`,
        cause: null,
      },
      risks,
      remedy,
    };
  }
  return {
    state,
    process: proc,
    verdict: {
      status: 'at-risk',
      summary: `${name} is alive but dies at ${joinWords(dies.map((r) => eventWords(r.event)))}: ${dies[0].reason}${fix}.`,
      cause: null,
    },
    risks,
    remedy,
  };
}

function gidOf(facts: Facts, pid: number): number | null {
  const p = facts.process(pid);
  return p && p.status.ok && p.status.value.gid.length > 0 ? p.status.value.gid[0] : null;
}

/** Its parent, when that is a supervisor whose own config keeps it running (tools table keepCommand). */
function keeperOf(ev: RiskEvidence): RemedyInput['keeper'] {
  const parent = ev.chain?.ancestors[0];
  const tool = parent ? toolOf(parent) : null;
  if (!parent || !tool || tool.role !== 'supervisor' || !tool.keepRunning) return null;
  return { tool: tool.id, label: parent.label, keepRunning: tool.keepRunning, command: tool.keepCommand ?? null };
}

/**
 * Seen from inside a container (pid 1 here is a container init): the container's id from its cgroup, or
 * the hostname docker gives a container by default (its short id). Null on a host.
 */
function insideContainer(ev: RiskEvidence, facts: Facts): RemedyInput['insideContainer'] {
  const chain = ev.chain;
  const one = chain ? (chain.self.pid === 1 ? chain.self : chain.ancestors.find((a) => a.pid === 1)) : null;
  if (one?.kind !== 'container-init') return null;
  const host = facts.host().hostname;
  return { id: ev.namespace?.container?.id ?? (/^[0-9a-f]{12}$/.test(host) ? host : null) };
}

/** The keeper whose end would take it down, named so an `ok` does not read as "nothing can end it". */
function keeperNote(risks: readonly Risk[]): string {
  if (risks.some((r) => r.by === 'keeper' && r.outcome === 'dies'))
    return '; it ends only when its own keeper is stopped';
  return risks.some((r) => r.by === 'keeper' && r.outcome === 'unknown')
    ? '; whether it ends with its parent program is that program’s own affair'
    : '';
}

/**
 * The explaining check wrote the sentence a person can act on (cgroup, limit, sender...): use it, and
 * fall back to a generic description of the cause.
 */
function deathSummary(findings: readonly Finding[], cause: Cause, name: string): string {
  const by = findings.find((f) => f.cause === cause);
  const text = by?.summary.trim();
  if (text) return text.endsWith('.') ? text : `${text}.`;
  return `${name} ${describeCause(cause)} (from ${cause.source}).`;
}

/**
 * The memory cgroup whose limit a memory remedy raises: on cgroup v2 the one whose memory.max binds, which may
 * be an ancestor (a slice's limit over a service without one): raising the service's own would change nothing.
 */
function limitToRaise(
  mem: ReturnType<Facts['memoryCgroup']>,
  model: MemorySection | null,
): { dir: string; limitBytes: number; version: 1 | 2; memswLimitBytes?: number | null } | null {
  if (!mem.ok) return null;
  const own = mem.value;
  const bindPath = model?.cgroupPath;
  const bindLimit = model?.cgroupLimitBytes;
  if (own.version === 2 && bindPath && bindPath !== own.path && typeof bindLimit === 'number') {
    return { dir: `${hierarchyRoot(own)}${bindPath}`, limitBytes: bindLimit, version: 2 };
  }
  return own.limitBytes !== null ? { ...own, limitBytes: own.limitBytes } : null;
}

/** The resource limits that end it (src/model/limits.ts), by prlimit's option, for the raise-limit remedy. */
function rlimitsToRaise(ev: RiskEvidence): RemedyInput['rlimits'] {
  const l = ev.limits;
  if (!l) return null;
  const out: NonNullable<RemedyInput['rlimits']>[number][] = [];
  if (l.cpu && l.cpu.diesAtSec !== null) out.push({ option: 'cpu', soft: l.cpu.softSec, hard: l.cpu.hardSec });
  if (l.fsize?.kills) out.push({ option: 'fsize', soft: l.fsize.softBytes, hard: l.fsize.hardBytes });
  if (l.rttime?.policy && l.rttime.diesAtUs !== null)
    out.push({ option: 'rttime', soft: l.rttime.softUs, hard: l.rttime.hardUs });
  return out.length > 0 ? out : null;
}
