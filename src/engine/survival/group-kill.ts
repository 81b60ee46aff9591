/**
 * group-kill: its launcher's process group is killed (`kill -- -PGID`), what CI runners, automation
 * tools and job control do when a step ends. The kill is SIGTERM (kill(1)'s default, timeout's, a runner's
 * first signal); some killers follow with SIGKILL after a grace period (GitLab Runner's KillAndWait, timeout
 * -k, systemd's stop). nohup protects from neither; a process that ignores SIGTERM (SigIgn) outlives the
 * SIGTERM and only the SIGKILL that may follow ends it; one that catches it runs its own handler, which
 * decides (kernel/signal.c: prepare_signal drops an ignored signal, get_signal runs a handler instead of the
 * default action). Only a process that leads its own group (a shell job, `setsid`) is out of reach. Not every group has
 * someone who kills it: cron and atd only wait for their jobs, and a double-forked daemon's group belonged
 * to a launcher that is gone (src/model/tools.ts names the schedulers).
 */
import type { SurvivalRule, RiskEvidence } from './types';
import { toolOf } from '../../model/tools';

/** Only worth saying when nohup was actually used (SIGHUP ignored), the belief it corrects. */
function nohupNote(e: RiskEvidence): string {
  if (e.signals?.term === 'ignored')
    return '; SIGTERM is ignored, so only a SIGKILL sent after it (a keeper or runner escalating) would end it';
  return e.signals?.hup === 'ignored' ? '; ignoring SIGHUP (nohup) does not protect against SIGTERM or SIGKILL' : '';
}

const notLeader = (e: RiskEvidence): boolean => e.group !== null && !e.group.groupLeader && e.group.pgid > 0;

/**
 * Where a kill of its group reaches it (the cases the `dies` rules below decide): sharing the group with a live
 * shell or runner, left in the group of a launcher that has exited, or a member of a group led by another live
 * process. Null when it leads its group or its group was not read.
 */
function reachedBy(e: RiskEvidence): { pgid: number; where: string } | null {
  const g = e.group;
  if (!g || !notLeader(e)) return null;
  const r = g.sharesWithRunner;
  const l = g.groupLeaderInfo;
  if (r) return { pgid: g.pgid, where: `it shares process group ${g.pgid} with ${r.label} (pid ${r.pid})` };
  if (!l || !l.alive)
    return { pgid: g.pgid, where: `it was left in process group ${g.pgid}, whose leader (its launcher) has exited` };
  return { pgid: g.pgid, where: `it is in process group ${g.pgid} led by ${l.label} (pid ${l.pid})` };
}

/** A live scheduler (cron, atd) leading its group or session, or sharing its group: it never kills a job. */
function schedulerOf(e: RiskEvidence): { pid: number; label: string } | null {
  const g = e.group;
  if (!g) return null;
  const cands = [g.groupLeaderInfo, g.sessionLeaderInfo, g.sharesWithRunner];
  for (const m of cands) {
    if (!m || !m.alive) continue;
    const tool = toolOf(m);
    if (tool?.role === 'scheduler' && tool.traits.reapsOnly) return { pid: m.pid, label: m.label };
  }
  return null;
}

/** Its group, when it was left in the group and session its launcher made (setsid) and both leaders are gone. */
function sessionLeftover(e: RiskEvidence): NonNullable<RiskEvidence['group']> | null {
  const g = e.group;
  if (!g || !notLeader(e) || g.groupLeaderInfo?.alive || g.pgid !== g.sid || g.sessionLeaderInfo?.alive) return null;
  return g;
}

/** A scheduler's unit (cron.service, atd.service) holding the process's cgroup: a job of that scheduler. */
function schedulerUnit(e: RiskEvidence): string | null {
  const unit = e.cgroup?.unit;
  if (!unit) return null;
  const name = unit.replace(/\.service$/, '');
  const tool = toolOf({ comm: name });
  return tool?.role === 'scheduler' && tool.traits.reapsOnly ? name : null;
}

/** What daemon(3) and start-stop-daemon --background leave: cwd / and fds 0-2 on /dev/null (or closed). */
function daemonized(e: RiskEvidence): boolean {
  if (e.process?.cwd !== '/' || !e.stdio) return false;
  const std = e.stdio.fds.filter((f) => f.fd <= 2);
  return std.length > 0 && std.every((f) => f.kind === 'devnull' || f.kind === 'closed');
}

export const groupKillRules: SurvivalRule[] = [
  {
    code: 'group.unread',
    event: 'group-kill',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'Its process group could not be read.',
    when: (e) => (e.group ? null : 'its process group could not be read'),
  },
  {
    code: 'group.none',
    event: 'group-kill',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'It is in process group 0 (init and kernel threads): there is no launcher group to kill.',
    when: (e) =>
      e.group?.pgid === 0
        ? 'it is in process group 0, which only init and kernel threads have: there is no launcher group to kill'
        : null,
  },
  {
    code: 'group.own-group',
    event: 'group-kill',
    outcome: 'survives',
    confidence: 'certain',
    meaning: "It leads its own process group: killing its launcher's group does not reach it.",
    when: (e) =>
      e.group?.groupLeader
        ? `it leads its own process group ${e.group.pgid}${e.group.sessionLeader ? ` and session ${e.group.sid}` : ''}: killing its launcher's group does not reach it`
        : null,
  },
  {
    code: 'group.scheduler-job',
    event: 'group-kill',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      "Its group is a cron or at job's (or the scheduler's own): the scheduler only waits for its jobs and never kills a job's group, so no step end reaches it.",
    when: (e) => {
      const g = e.group;
      if (!g || !notLeader(e)) return null;
      const s = schedulerOf(e);
      return s
        ? `it is in process group ${g.pgid} of ${s.label} (pid ${s.pid}), which started it as a job and only waits for its jobs (it never kills a job's group, at their end or its own); only a kill typed by hand (kill -- -${g.pgid}) would reach it${nohupNote(e)}`
        : null;
    },
  },
  {
    code: 'group.keeper-group',
    event: 'group-kill',
    outcome: 'dies',
    confidence: 'likely',
    by: 'keeper',
    meaning:
      "Its group is led by its keeper (a supervisor, a signal-relaying wrapper, a container init or a terminal keeper) and holds no shell or job runner: a kill of that group is the keeper's own stop, which ends it too (not a threat).",
    when: (e) => {
      const g = e.group;
      const l = g?.groupLeaderInfo;
      // A live shell or job runner in the group makes it a job's group (a step run under `timeout`), whose
      // kill is a runner's cleanup, not the keeper's stop of its own command: group.shares-with-runner.
      if (!g || !notLeader(e) || !l?.alive || g.sharesWithRunner) return null;
      const tool = toolOf(l);
      if (!tool || !(tool.traits.stopsChildrenOnOwnStop || tool.traits.detachable)) return null;
      return `it is in process group ${g.pgid} led by its keeper ${l.label} (pid ${l.pid}): a kill of that group (kill -- -${g.pgid}) is the keeper's own stop and reaches it too, the keeper's end, not a threat${nohupNote(e)}`;
    },
  },
  {
    code: 'group.daemonized',
    event: 'group-kill',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      'It was double-forked like a daemon (start-stop-daemon --background, daemon(3)): left in the group and session of a launcher that has exited, with cwd / and stdio on /dev/null; no job runner owns that group.',
    when: (e) => {
      const g = e.group;
      if (!g || !notLeader(e) || g.groupLeaderInfo?.alive || g.pgid !== g.sid || !daemonized(e)) return null;
      return `it was double-forked like a daemon: it is left in process group ${g.pgid}, the group and session its launcher made for itself (setsid) before exiting, with its working directory / and stdin, stdout and stderr on /dev/null, as start-stop-daemon --background and daemon(3) leave it; no shell or job runner owns that group, so nothing kills it at a step's end (only a tool that kept the group id, kill -- -${g.pgid}, still could)`;
    },
  },
  {
    code: 'group.session-gone',
    event: 'group-kill',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      "It was left in the group and session a scheduler's job made (its cgroup is cron's or atd's unit) and whose leader has exited: cron and atd only wait for their jobs, so no runner owns that group; only a kill typed by hand could still reach it.",
    when: (e) => {
      const g = sessionLeftover(e);
      if (!g) return null;
      const s = schedulerUnit(e);
      return s
        ? `it was left in process group ${g.pgid}, the group and session a job of ${s} made before its shell exited (its cgroup is ${s}'s): cron and atd only wait for their jobs and never kill a job's group, so nothing kills it at the job's end; only a kill typed by hand (kill -- -${g.pgid}) would reach it${nohupNote(e)}`
        : null;
    },
  },
  {
    code: 'group.session-unowned',
    event: 'group-kill',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      "It was left in the group and session its launcher made with setsid before exiting: whether anything still kills that group depends on who made the session, which /proc cannot show (an automation tool or job runner that spawned the step detached kills it at the step's end; cron, atd, an ssh command or a setsid typed by hand never do).",
    when: (e) => {
      const g = sessionLeftover(e);
      if (!g) return null;
      return `it was left in process group ${g.pgid}, the group and session its launcher (pid ${g.pgid}) made for itself with setsid before exiting; whether anything kills that group depends on who started that session, which /proc cannot show: an automation tool, agent or job runner that spawned the step detached (a new session, as Node's detached: true does) usually kills it at the step's end (kill -- -${g.pgid}), while cron, atd, an ssh command or a setsid typed by hand never do${nohupNote(e)}`;
    },
  },
  {
    code: 'group.finished-job',
    event: 'group-kill',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      "It was left in the group of a job its interactive shell has finished (`(cmd &)`, a `sh -c 'cmd &'` typed at the prompt): with job control the shell makes a group per job and forgets it when the job ends, so no shell or runner kills that group; only a kill typed by hand would.",
    when: (e) => {
      const g = e.group;
      const s = g?.sessionLeaderInfo;
      if (!g || !notLeader(e) || g.groupLeaderInfo?.alive || g.pgid === g.sid || g.sharesWithRunner) return null;
      if (!s?.alive || s.kind !== 'interactive-shell') return null;
      return `it was left in process group ${g.pgid}, a job group that ${s.label} (pid ${s.pid}) made for a command that has finished (its leader, pid ${g.pgid}, is gone): an interactive shell forgets a finished job, at its exit or hangup it signals only the jobs it still lists, and no runner owns that group; only a kill typed by hand (kill -- -${g.pgid}) would reach it${nohupNote(e)}`;
    },
  },
  {
    code: 'group.daemon-group',
    event: 'group-kill',
    outcome: 'dies',
    confidence: 'likely',
    by: 'keeper',
    meaning:
      "Its group is led by one of its own ancestors that runs as a daemon (it leads a session of its own, its launcher is gone, no shell or runner is in the group): a kill of that group is that daemon's own stop, which ends it too (not a threat).",
    when: (e) => {
      const g = e.group;
      const l = g?.groupLeaderInfo;
      if (!g || !notLeader(e) || !l?.alive || g.pgid !== g.sid || g.sharesWithRunner) return null;
      // Reparented to an init, or started by a service manager (pid 1, or a user's systemd --user, which
      // setsid()s each unit process): nothing that started it still holds its group's id.
      const ancestors = e.chain?.ancestors ?? [];
      const userManager = ancestors.some((a) => a.pid === l.ppid && a.kind === 'systemd-user');
      if (l.ppid !== 1 && l.ppid !== e.namespace?.nsInit?.pid && !userManager) return null;
      if (!ancestors.some((a) => a.pid === l.pid)) return null;
      return `it is in process group ${g.pgid} of its ancestor ${l.label} (pid ${l.pid}), which runs as a daemon (it leads session ${g.sid}, its launcher is gone and no shell or runner is in the group): a kill of that group (kill -- -${g.pgid}) is that daemon's own stop and ends it too, its keeper's end, not a threat${nohupNote(e)}`;
    },
  },
  {
    code: 'group.sigterm-ignored',
    event: 'group-kill',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      "It would be reached by a kill of its group, but it ignores SIGTERM (SigIgn): the group kill's SIGTERM is discarded, so it runs on unless the killer follows with SIGKILL (GitLab Runner after its graceful timeout, timeout -k, systemd after TimeoutStopSec).",
    when: (e) => {
      const g = reachedBy(e);
      return g && e.signals?.term === 'ignored'
        ? `${g.where}, but SIGTERM is ignored (SigIgn): a kill of that group with SIGTERM (kill -- -${g.pgid}, timeout's default signal, a job-control kill %N) is discarded (kernel/signal.c sig_ignored), so it runs on, unless the killer follows with SIGKILL, which cannot be ignored (GitLab Runner after its graceful timeout, timeout -k, systemd after TimeoutStopSec)`
        : null;
    },
  },
  {
    code: 'group.sigterm-caught',
    event: 'group-kill',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'It would be reached by a kill of its group, and it catches SIGTERM (SigCgt): its own handler decides (most clean up and exit), and a SIGKILL that follows ends it anyway.',
    when: (e) => {
      const g = reachedBy(e);
      return g && e.signals?.term === 'caught'
        ? `${g.where}, and it catches SIGTERM (SigCgt): at a kill of that group (kill -- -${g.pgid}) its own handler decides what happens (most clean up and exit; a handler that carries on keeps it running until a SIGKILL follows, which cannot be caught)`
        : null;
    },
  },
  {
    code: 'group.shares-with-runner',
    event: 'group-kill',
    outcome: 'dies',
    confidence: 'certain',
    meaning: 'It shares its process group with a live shell or job runner: when that group is killed it dies too.',
    when: (e) => {
      const r = e.group?.sharesWithRunner;
      return notLeader(e) && r && e.group
        ? `it shares process group ${e.group.pgid} with ${r.label} (pid ${r.pid}): when the runner or its caller kills that group (kill -- -${e.group.pgid}), it dies too${nohupNote(e)}`
        : null;
    },
  },
  {
    code: 'group.leader-gone',
    event: 'group-kill',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      'It was left in the process group of a launcher that has exited (the `bash -c "cmd &"` runner case): whoever started that group kills it when the step ends.',
    when: (e) => {
      const g = e.group;
      return g && notLeader(e) && (!g.groupLeaderInfo || !g.groupLeaderInfo.alive)
        ? `it was left in process group ${g.pgid}, whose leader (pid ${g.pgid}, its launcher) has exited; it is neither group nor session leader, so when the tool that started that group kills it at the end of the step (kill -- -${g.pgid}), it dies too${nohupNote(e)}`
        : null;
    },
  },
  {
    code: 'group.member',
    event: 'group-kill',
    outcome: 'dies',
    confidence: 'certain',
    meaning: 'It is a member of a process group led by another live process: a kill of that group reaches it.',
    when: (e) => {
      const g = e.group;
      const l = g?.groupLeaderInfo;
      return g && notLeader(e) && l
        ? `it is in process group ${g.pgid} led by ${l.label} (pid ${l.pid}): a kill of that group (kill -- -${g.pgid}) reaches it${nohupNote(e)}`
        : null;
    },
  },
];
