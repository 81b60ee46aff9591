/**
 * process-group: which group and session the target lives in, and who shares them.
 * A group kill (`kill -- -PGID`, what CI runners and agent tools do) reaches every member, whatever
 * SIGHUP disposition nohup left: sharing a group with a `bash -c` runner is the classic silent death.
 */
import type { Check, CheckContext } from '../src/engine/types';
import type { ProcStat } from '../src/source/types';
import { isShellKind, type AncestorKind } from '../src/engine/classify';
import { describeProcess } from './parent-chain';
import { decideEvent, evidenceWith } from '../src/engine/survival';

export type MemberEvidence = { pid: number; ppid: number; comm: string; kind: AncestorKind; label: string; alive: boolean };

export type ProcessGroupEvidence = {
  pgid: number;
  sid: number;
  groupLeader: boolean;
  sessionLeader: boolean;
  /** Null when the leader is not in the process table (it exited). */
  groupLeaderInfo: MemberEvidence | null;
  sessionLeaderInfo: MemberEvidence | null;
  /** Group members, at most MEMBER_CAP of them (the target always among them); groupCount says how many in all. */
  group: MemberEvidence[];
  groupCount: number;
  /** Session members, at most SESSION_CAP of them. */
  session: MemberEvidence[];
  sessionCount: number;
  /** POSIX orphaned group: no member's parent is in another group of the same session. */
  orphaned: boolean;
  /** Another member of its group that is a shell or job runner (the `bash -c` / CI case). */
  sharesWithRunner: MemberEvidence | null;
  /**
   * The interactive shell whose job this group is: a live member's parent is an interactive shell of
   * the same session (job members are the shell's own children). Null for a group no shell tracks,
   * such as what a `(cmd &)` subshell or a finished `bash -c` left behind.
   */
  jobOf: { pid: number; comm: string; label: string } | null;
};

const SESSION_CAP = 50;
/** A group can hold thousands of processes (a forking server): the report lists this many, then counts. */
const MEMBER_CAP = 50;
const RUNNER_KINDS: ReadonlySet<AncestorKind> = new Set<AncestorKind>(['shell', 'interactive-shell', 'ci-runner', 'cron', 'script']);

function member(ctx: CheckContext, s: ProcStat): MemberEvidence {
  const d = describeProcess(ctx, s);
  return { pid: s.pid, ppid: s.ppid, comm: s.comm, kind: d.kind, label: d.label, alive: s.state !== 'Z' && s.state !== 'X' };
}

export function isOrphanedGroup(table: readonly ProcStat[], pgid: number, sid: number): boolean {
  const byPid = new Map(table.map((s) => [s.pid, s]));
  for (const m of table) {
    if (m.pgrp !== pgid) continue;
    const parent = byPid.get(m.ppid);
    if (parent && parent.pgrp !== pgid && parent.session === sid) return false;
  }
  return true;
}

/** The interactive shell (same session) that is the parent of a live member of the group, if any. */
function jobShell(ctx: CheckContext, members: readonly ProcStat[], sid: number): ProcessGroupEvidence['jobOf'] {
  for (const m of members) {
    if (m.state === 'Z' || m.state === 'X' || m.ppid <= 1) continue;
    const parent = ctx.facts.stat(m.ppid);
    if (!parent.ok || parent.value.session !== sid || parent.value.startTime > m.startTime) continue;
    const d = describeProcess(ctx, parent.value);
    if (d.kind === 'interactive-shell') return { pid: d.pid, comm: d.comm, label: d.label };
  }
  return null;
}

export const processGroup: Check = {
  meta: {
    id: 'process-group',
    title: 'Process group and session',
    description: 'PGID and SID, leadership, the members of its group and session, whether the group is orphaned and whether it shares a group with a shell or job runner.',
    requires: ['existence'],
    codes: {
      'own-session': 'It leads its own session and process group (setsid): group and session kills of its launcher do not reach it.',
      'own-group': 'It leads its own process group (a shell job or a daemon).',
      'shares-group-with-runner': 'It shares its process group with a shell or job runner: killing that group kills it.',
      'shares-group': 'It is a member of a process group led by another live process: a kill of that group kills it.',
      'leader-gone': 'It was left in the process group of a launcher that has exited: the tool that made the group kills it at the end of the step.',
      unreadable: 'Its stat could not be read.',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const selfRead = ctx.facts.stat(pid);
    if (!selfRead.ok) return { status: 'info', code: 'unreadable', summary: `Cannot read /proc/${pid}/stat: ${selfRead.message}` };
    const self = selfRead.value;
    const table = ctx.facts.processTable();
    const groupStats = table.filter((s) => s.pgrp === self.pgrp);
    if (!groupStats.some((s) => s.pid === pid)) groupStats.push(self);
    const sessionStats = table.filter((s) => s.session === self.session);
    const allMembers = groupStats.map((s) => member(ctx, s));
    const group = allMembers.slice(0, MEMBER_CAP);
    const targetMember = allMembers.find((m) => m.pid === pid);
    if (targetMember && !group.includes(targetMember)) group[group.length - 1] = targetMember;
    const session = sessionStats.slice(0, SESSION_CAP).map((s) => member(ctx, s));
    const leaderStat = table.find((s) => s.pid === self.pgrp) ?? null;
    const sessLeaderStat = table.find((s) => s.pid === self.session) ?? null;
    const groupLeaderInfo = leaderStat ? allMembers.find((m) => m.pid === leaderStat.pid) ?? member(ctx, leaderStat) : null;
    const sessionLeaderInfo = sessLeaderStat ? member(ctx, sessLeaderStat) : null;
    const sharesWithRunner = allMembers.find((m) => m.pid !== pid && m.alive && RUNNER_KINDS.has(m.kind)) ?? null;
    const jobOf = jobShell(ctx, groupStats, self.session);
    const evidence: ProcessGroupEvidence = {
      pgid: self.pgrp,
      sid: self.session,
      groupLeader: self.pgrp === pid,
      sessionLeader: self.session === pid,
      groupLeaderInfo,
      sessionLeaderInfo,
      group,
      groupCount: allMembers.length,
      session,
      sessionCount: sessionStats.length,
      orphaned: isOrphanedGroup(table, self.pgrp, self.session),
      sharesWithRunner,
      jobOf,
    };
    const fmt = (m: MemberEvidence): string => `${m.pid} ${m.label}${m.alive ? '' : ' (zombie)'}`;
    const details = [
      `PGID ${self.pgrp}${evidence.groupLeader ? ' (it is the group leader)' : groupLeaderInfo ? ` led by ${fmt(groupLeaderInfo)}` : ' (leader has exited)'}`,
      `SID ${self.session}${evidence.sessionLeader ? ' (it is the session leader)' : sessionLeaderInfo ? ` led by ${fmt(sessionLeaderInfo)}` : ' (leader has exited)'}`,
      `Group members: ${group.map(fmt).join(', ')}${allMembers.length > group.length ? ` and ${allMembers.length - group.length} more` : ''}`,
      `Session has ${sessionStats.length} process(es).`,
      evidence.orphaned ? 'The group is orphaned: no member has a parent in another group of this session.' : 'The group is not orphaned.',
    ];
    // The group-kill rule decides how alarming this is, so the check and the survival matrix agree.
    const rule = decideEvent('group-kill', evidenceWith({ group: evidence }));
    const status = rule.outcome === 'dies' ? 'warn' : rule.outcome === 'survives' ? 'pass' : 'info';
    if (evidence.sessionLeader && evidence.groupLeader) {
      return { status, code: 'own-session', summary: `Leads its own session ${self.session} and process group.`, details, evidence };
    }
    if (evidence.groupLeader) {
      return { status, code: 'own-group', summary: `Leads its own process group ${self.pgrp} in session ${self.session}.`, details, evidence };
    }
    if (sharesWithRunner) {
      // The label already names the kind (`bash -c shell`, `gitlab-runner (CI runner)`): no second noun.
      const who = isShellKind(sharesWithRunner.kind) || /\(|shell|script/.test(sharesWithRunner.label) ? '' : 'job runner ';
      return {
        status,
        code: 'shares-group-with-runner',
        summary: `Shares process group ${self.pgrp} with ${who}${sharesWithRunner.label} (pid ${sharesWithRunner.pid}): a kill of that group kills it too.`,
        details,
        evidence,
      };
    }
    if (self.pgrp !== 0 && !groupLeaderInfo?.alive) {
      return {
        status,
        code: 'leader-gone',
        summary: `Left in process group ${self.pgrp}, whose leader (its launcher) has exited: a kill of that group, as tools do when a step ends, kills it.`,
        details,
        evidence,
      };
    }
    return {
      status,
      code: 'shares-group',
      summary:
        self.pgrp === 0
          ? 'Its process group is 0 (created by the kernel, or outside this pid namespace): no launcher group to kill.'
          : `Member of process group ${self.pgrp} led by ${groupLeaderInfo?.label ?? '?'} (pid ${self.pgrp}): a kill of that group kills it too.`,
      details,
      evidence,
    };
  },
};
