/**
 * memory: how close the process is to being the OOM killer's choice — its oom_score against every
 * other process, and its RSS against the memory cgroup limit.
 */
import type { Check } from '../src/engine/types';
import { UNLIMITED_BYTES } from './cgroup';
import { PF_KTHREAD } from './existence';
import { ok } from '../src/source/types';

export type MemoryEvidence = {
  oomScore: number | null;
  oomScoreAdj: number | null;
  /** 1 = the OOM killer's first choice; ties share a rank. */
  rank: number | null;
  /** User processes whose oom_score was readable. */
  ranked: number;
  /** Other processes with exactly its score: a tie at the top is no clear first choice. */
  tied: number;
  top: { pid: number; comm: string; score: number } | null;
  rssKb: number | null;
  cgroupLimitBytes: number | null;
  cgroupUsageBytes: number | null;
  /** RSS / cgroup limit, when there is a limit. */
  rssRatio: number | null;
  /** cgroup usage / limit. */
  usageRatio: number | null;
};

export const NEAR_LIMIT = 0.8;

export const memory: Check = {
  meta: {
    id: 'memory',
    title: 'Memory and OOM standing',
    description: 'oom_score and oom_score_adj, rank among all processes, RSS against the memory cgroup limit.',
    requires: ['existence'],
    codes: {
      ok: 'Not near the front of the OOM queue and not near a cgroup limit.',
      'top-oom-candidate': 'It has the highest oom_score: the OOM killer picks it first.',
      'near-limit': 'Its memory is above 80% of its cgroup limit.',
      'oom-protected': 'oom_score_adj is -1000: the OOM killer never picks it.',
      'kernel-thread': 'Kernel threads are never OOM-killed.',
      unreadable: 'oom_score could not be read.',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const facts = ctx.facts;
    const self = facts.stat(pid);
    if (self.ok && ((self.value.flags & PF_KTHREAD) !== 0 || pid === 2 || self.value.ppid === 2)) {
      return { status: 'pass', code: 'kernel-thread', summary: 'Kernel thread: not subject to the OOM killer.' };
    }
    const mine = facts.oomScore(pid);
    const status = facts.status(pid);
    const rssKb = status.ok ? status.value.vmRssKb : null;
    const mem = facts.memoryCgroup(pid);
    const limit = mem.ok && mem.value.limitBytes !== null && mem.value.limitBytes < UNLIMITED_BYTES ? mem.value.limitBytes : null;
    const usage = mem.ok ? mem.value.usageBytes : null;
    let rank: number | null = null;
    let ranked = 0;
    let tied = 0;
    let top: MemoryEvidence['top'] = null;
    if (mine.ok) {
      let higher = 0;
      for (const s of facts.processTable()) {
        if ((s.flags & PF_KTHREAD) !== 0 || s.pid === 2 || s.ppid === 2) continue;
        const o = s.pid === pid ? ok(mine.value.score) : facts.oomScoreOnly(s.pid);
        if (!o.ok) continue;
        ranked++;
        if (o.value > mine.value.score) higher++;
        else if (o.value === mine.value.score && s.pid !== pid) tied++;
        if (!top || o.value > top.score) top = { pid: s.pid, comm: s.comm, score: o.value };
      }
      rank = higher + 1;
    }
    const rssRatio = limit && rssKb !== null ? (rssKb * 1024) / limit : null;
    const usageRatio = limit && usage !== null ? usage / limit : null;
    const evidence: MemoryEvidence = {
      oomScore: mine.ok ? mine.value.score : null,
      oomScoreAdj: mine.ok ? mine.value.adj : null,
      rank,
      ranked,
      tied,
      top,
      rssKb,
      cgroupLimitBytes: limit,
      cgroupUsageBytes: usage,
      rssRatio,
      usageRatio,
    };
    const pct = (r: number): string => `${Math.round(r * 100)}%`;
    const details = [
      mine.ok ? `oom_score ${mine.value.score}, oom_score_adj ${mine.value.adj}, rank ${rank} of ${ranked}${top ? `; highest is ${top.comm} (${top.pid}) at ${top.score}` : ''}.` : `oom_score unreadable: ${mine.message}`,
      `RSS ${rssKb ?? '?'} kB${limit ? `, cgroup limit ${limit} bytes (${rssRatio !== null ? pct(rssRatio) : '?'} of it; cgroup usage ${usageRatio !== null ? pct(usageRatio) : '?'})` : ', no cgroup memory limit'}.`,
    ];
    if (!mine.ok) {
      return { status: mine.code === 'EACCES' ? 'warn' : 'info', code: 'unreadable', summary: `Could not read /proc/${pid}/oom_score (${mine.code}).`, details, evidence };
    }
    if (mine.value.adj === -1000) {
      return { status: 'pass', code: 'oom-protected', summary: 'oom_score_adj -1000: the OOM killer never picks it.', details, evidence };
    }
    if (rssRatio !== null && rssRatio > NEAR_LIMIT) {
      return { status: 'warn', code: 'near-limit', summary: `RSS is ${pct(rssRatio)} of its cgroup memory limit.`, details, evidence };
    }
    if (rank === 1 && tied === 0 && mine.value.score > 0 && ranked > 1) {
      return { status: 'warn', code: 'top-oom-candidate', summary: `Highest oom_score (${mine.value.score}) of ${ranked} processes: the OOM killer picks it first.`, details, evidence };
    }
    return { status: 'pass', code: 'ok', summary: `oom_score ${mine.value.score} (rank ${rank} of ${ranked}); ${limit ? `RSS ${rssRatio !== null ? pct(rssRatio) : '?'} of cgroup limit` : 'no cgroup memory limit'}.`, details, evidence };
  },
};
