/**
 * process-group: which group and session the target lives in, and who shares them.
 * A group kill (`kill -- -PGID`, what CI runners and agent tools do) reaches every member, whatever
 * SIGHUP disposition nohup left: sharing a group with a `bash -c` runner is the classic silent death.
 */
import type { Check } from '../src/engine/types';
import { isShellKind } from '../src/model/classify';
import type { MemberSection } from '../src/model/group';
import { decideEvent, evidenceWith } from '../src/engine/survival';

export const processGroup: Check = {
  meta: {
    id: 'process-group',
    title: 'Process group and session',
    description:
      'PGID and SID, leadership, the members of its group and session, whether the group is orphaned and whether it shares a group with a shell or job runner.',
    requires: ['existence'],
    codes: {
      'own-session':
        'It leads its own session and process group (setsid): group and session kills of its launcher do not reach it.',
      'own-group': 'It leads its own process group (a shell job or a daemon).',
      'shares-group-with-runner':
        'It shares its process group with a shell or job runner: killing that group kills it.',
      'shares-group': 'It is a member of a process group led by another live process: a kill of that group kills it.',
      'leader-gone':
        'It was left in the process group of a launcher that has exited: the tool that made the group kills it at the end of the step.',
      unreadable: 'Its stat could not be read.',
    },
  },
  run(ctx) {
    const read = ctx.model.group;
    if (!read.ok)
      return {
        status: 'info',
        code: 'unreadable',
        summary: `Cannot read /proc/${ctx.target.pid}/stat: ${read.message}`,
      };
    const evidence = read.value;
    const { group, groupLeaderInfo, sessionLeaderInfo, sharesWithRunner } = evidence;
    const self = { pgrp: evidence.pgid, session: evidence.sid };
    const allCount = evidence.groupCount;
    const fmt = (m: MemberSection): string => `${m.pid} ${m.label}${m.alive ? '' : ' (zombie)'}`;
    const details = [
      `PGID ${self.pgrp}${evidence.groupLeader ? ' (it is the group leader)' : groupLeaderInfo ? ` led by ${fmt(groupLeaderInfo)}` : ' (leader has exited)'}`,
      `SID ${self.session}${evidence.sessionLeader ? ' (it is the session leader)' : sessionLeaderInfo ? ` led by ${fmt(sessionLeaderInfo)}` : ' (leader has exited)'}`,
      `Group members: ${group.map(fmt).join(', ')}${allCount > group.length ? ` and ${allCount - group.length} more` : ''}`,
      `Session has ${evidence.sessionCount} process(es).`,
      evidence.orphaned
        ? 'The group is orphaned: no member has a parent in another group of this session.'
        : 'The group is not orphaned.',
    ];
    // The group-kill rule decides how alarming this is, so the check and the survival matrix agree.
    const rule = decideEvent('group-kill', evidenceWith({ group: evidence }));
    // A kill of its keeper's own group is the keeper's stop (Risk.by): shown, not warned about.
    const status =
      rule.outcome === 'dies' && rule.by !== 'keeper' ? 'warn' : rule.outcome === 'unknown' ? 'info' : 'pass';
    if (evidence.sessionLeader && evidence.groupLeader) {
      return {
        status,
        code: 'own-session',
        summary: `Leads its own session ${self.session} and process group.`,
        details,
        evidence,
      };
    }
    if (evidence.groupLeader) {
      return {
        status,
        code: 'own-group',
        summary: `Leads its own process group ${self.pgrp} in session ${self.session}.`,
        details,
        evidence,
      };
    }
    if (sharesWithRunner) {
      // The label already names the kind (`bash -c shell`, `gitlab-runner (CI runner)`): no second noun.
      const who =
        isShellKind(sharesWithRunner.kind) || /\(|shell|script/.test(sharesWithRunner.label) ? '' : 'job runner ';
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
