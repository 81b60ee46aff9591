/**
 * memory: how close the process is to being the OOM killer's choice — its oom_score against every
 * other process, and its RSS against the memory cgroup limit.
 */
import type { Check } from '../src/engine/types';
import { holdsMajority, MAJORITY_SHARE } from '../src/model/memory';

export const memory: Check = {
  meta: {
    id: 'memory',
    title: 'Memory and OOM standing',
    description: 'oom_score and oom_score_adj, rank among all processes, RSS against the memory cgroup limit.',
    requires: ['existence'],
    codes: {
      zombie: 'The process is a zombie: it holds no memory, and the OOM killer cannot pick it.',
      ok: 'Not near the front of the OOM queue and not near a cgroup limit.',
      majority: `It holds more than ${MAJORITY_SHARE * 100}% of its memory cgroup's limit (or of the host's memory): it is the OOM victim when that memory runs out.`,
      'oom-protected': 'oom_score_adj is -1000: the OOM killer never picks it.',
      'kernel-thread': 'Kernel threads are never OOM-killed.',
      unreadable: 'oom_score could not be read.',
    },
  },
  run(ctx) {
    // A zombie holds no memory (oom_score 0): ranking it would only mislead.
    if (ctx.model.existence.state === 'zombie') {
      return {
        status: 'skip',
        code: 'zombie',
        summary: 'Not checked: the process has exited (zombie) and holds no memory.',
      };
    }
    const pid = ctx.target.pid;
    const m = ctx.model.memory;
    if (m.kind === 'kernel-thread')
      return { status: 'pass', code: 'kernel-thread', summary: 'Kernel thread: not subject to the OOM killer.' };
    const evidence = m.section;
    const { rank, ranked, top, rssKb, rssRatio, usageRatio } = evidence;
    const limit = evidence.cgroupLimitBytes;
    const pct = (r: number): string => `${Math.round(r * 100)}%`;
    const details = [
      m.kind === 'read'
        ? `oom_score ${evidence.oomScore}, oom_score_adj ${evidence.oomScoreAdj}, rank ${rank} of ${ranked}${top ? `; highest is ${top.comm} (${top.pid}) at ${top.score}` : ''}.`
        : `oom_score unreadable: ${m.message}`,
      `RSS ${rssKb ?? '?'} kB${limit ? `, cgroup limit ${limit} bytes (${rssRatio !== null ? pct(rssRatio) : '?'} of it; cgroup usage ${usageRatio !== null ? pct(usageRatio) : '?'})` : ', no cgroup memory limit'}.`,
    ];
    if (m.kind === 'unread') {
      return {
        status: m.code === 'EACCES' ? 'warn' : 'info',
        code: 'unreadable',
        summary: `Could not read /proc/${pid}/oom_score (${m.code}).`,
        details,
        evidence,
      };
    }
    if (evidence.oomScoreAdj === -1000) {
      return {
        status: 'pass',
        code: 'oom-protected',
        summary: 'oom_score_adj -1000: the OOM killer never picks it.',
        details,
        evidence,
      };
    }
    if (holdsMajority(evidence) && evidence.share !== null) {
      const where = evidence.domain === 'cgroup' ? 'its cgroup memory limit' : "the host's memory";
      return {
        status: 'warn',
        code: 'majority',
        summary: `RSS is ${pct(evidence.share)} of ${where}: it is the OOM victim when that runs out.`,
        details,
        evidence,
      };
    }
    return {
      status: 'pass',
      code: 'ok',
      summary: `oom_score ${evidence.oomScore} (rank ${rank} of ${ranked}); ${limit ? `RSS ${rssRatio !== null ? pct(rssRatio) : '?'} of cgroup limit` : 'no cgroup memory limit'}.`,
      details,
      evidence,
    };
  },
};
