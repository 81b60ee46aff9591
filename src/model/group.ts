/**
 * The process group and session the target lives in, and who shares them. A group kill
 * (`kill -- -PGID`, what CI runners and agent tools do) reaches every member, whatever SIGHUP
 * disposition nohup left: sharing a group with a `bash -c` runner is the classic silent death.
 */
import type { Facts, ProcStat, Read } from '../source/types';
import { ok } from '../source/types';
import type { AncestorKind } from './classify';
import { describeProcess } from './describe-process';

export type MemberSection = {
  pid: number;
  ppid: number;
  comm: string;
  kind: AncestorKind;
  label: string;
  alive: boolean;
};

export type GroupSection = {
  pgid: number;
  sid: number;
  groupLeader: boolean;
  sessionLeader: boolean;
  /** Null when the leader is not in the process table (it exited). */
  groupLeaderInfo: MemberSection | null;
  sessionLeaderInfo: MemberSection | null;
  /** Group members, at most MEMBER_CAP of them (the target always among them); groupCount says how many in all. */
  group: MemberSection[];
  groupCount: number;
  /** Session members, at most SESSION_CAP of them. */
  session: MemberSection[];
  sessionCount: number;
  /** POSIX orphaned group: no member's parent is in another group of the same session. */
  orphaned: boolean;
  /** Members stopped now (state T): an orphaned group with one gets SIGHUP+SIGCONT from the kernel. */
  stoppedMembers: number[];
  /**
   * Its parent is the group's only tie to the session: its parent is in another group of the same
   * session and every member tied that way is its parent's child. When the parent exits the group is
   * orphaned (kernel/exit.c forget_original_parent -> reparent_leader -> kill_orphaned_pgrp).
   */
  orphanedByParentExit: boolean;
  /** Another member of its group that is a shell or job runner (the `bash -c` / CI case). */
  sharesWithRunner: MemberSection | null;
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
/** Group mates whose end (or whose runner's cleanup) takes the group down: shells and job runners. */
const RUNNER_KINDS: ReadonlySet<AncestorKind> = new Set<AncestorKind>([
  'shell',
  'interactive-shell',
  'ci-runner',
  'cron',
  'script',
]);

function member(facts: Facts, s: ProcStat): MemberSection {
  const d = describeProcess(facts, s);
  return {
    pid: s.pid,
    ppid: s.ppid,
    comm: s.comm,
    kind: d.kind,
    label: d.label,
    alive: s.state !== 'Z' && s.state !== 'X',
  };
}

/** The members whose parent ties the group to its session (parent in another group, same session). */
function sessionTies(table: readonly ProcStat[], pgid: number, sid: number): ProcStat[] {
  const byPid = new Map(table.map((s) => [s.pid, s]));
  return table.filter((m) => {
    if (m.pgrp !== pgid) return false;
    const parent = byPid.get(m.ppid);
    return parent !== undefined && parent.pgrp !== pgid && parent.session === sid;
  });
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
function jobShell(facts: Facts, members: readonly ProcStat[], sid: number): GroupSection['jobOf'] {
  for (const m of members) {
    if (m.state === 'Z' || m.state === 'X' || m.ppid <= 1) continue;
    const parent = facts.stat(m.ppid);
    if (!parent.ok || parent.value.session !== sid || parent.value.startTime > m.startTime) continue;
    const d = describeProcess(facts, parent.value);
    if (d.kind === 'interactive-shell') return { pid: d.pid, comm: d.comm, label: d.label };
  }
  return null;
}

export function deriveGroup(facts: Facts, pid: number): Read<GroupSection> {
  const selfRead = facts.stat(pid);
  if (!selfRead.ok) return selfRead;
  const self = selfRead.value;
  // Everything below looks only at processes of its session: its group's members (setpgid(2) keeps a
  // group inside one session), both leaders (a group or session leader can leave neither: setsid(2) and
  // setpgid(2) refuse a leader, and its pid stays taken while the group or session lives), and the parents
  // that tie the group to the session (in the session by definition). Pgid or sid 0 (a leader outside this
  // pid namespace) says nothing of who shares it: there, every process is looked at.
  const table = self.pgrp === 0 || self.session === 0 ? facts.processTable() : facts.sessionMembers(self.session);
  const groupStats = table.filter((s) => s.pgrp === self.pgrp);
  if (!groupStats.some((s) => s.pid === pid)) groupStats.push(self);
  const sessionStats = table.filter((s) => s.session === self.session);
  // Every member is described (its argv says what kind of process it is): one batch for a big group.
  facts.readAhead(
    'cmdline',
    groupStats.map((s) => s.pid),
  );
  const allMembers = groupStats.map((s) => member(facts, s));
  const group = allMembers.slice(0, MEMBER_CAP);
  const targetMember = allMembers.find((m) => m.pid === pid);
  if (targetMember && !group.includes(targetMember)) group[group.length - 1] = targetMember;
  const session = sessionStats.slice(0, SESSION_CAP).map((s) => member(facts, s));
  const leaderStat = table.find((s) => s.pid === self.pgrp) ?? null;
  const sessLeaderStat = table.find((s) => s.pid === self.session) ?? null;
  const groupLeaderInfo = leaderStat
    ? (allMembers.find((m) => m.pid === leaderStat.pid) ?? member(facts, leaderStat))
    : null;
  const sessionLeaderInfo = sessLeaderStat ? member(facts, sessLeaderStat) : null;
  return ok({
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
    stoppedMembers: groupStats.filter((s) => s.state === 'T').map((s) => s.pid),
    orphanedByParentExit: (() => {
      const ties = sessionTies(table, self.pgrp, self.session);
      return self.ppid > 1 && ties.length > 0 && ties.every((t) => t.ppid === self.ppid);
    })(),
    sharesWithRunner: allMembers.find((m) => m.pid !== pid && m.alive && RUNNER_KINDS.has(m.kind)) ?? null,
    jobOf: jobShell(facts, groupStats, self.session),
  });
}
