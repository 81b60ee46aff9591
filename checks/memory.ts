/**
 * memory: how close the process is to being the OOM killer's choice — its oom_score against every
 * other process, and its RSS against the memory cgroup limit.
 */
import type { Check } from '../src/engine/types';
import { UNLIMITED_BYTES } from './cgroup';
import { PF_KTHREAD } from './existence';
import { ok } from '../src/source/types';
import { holdsMajority, MAJORITY_SHARE } from '../src/engine/survival/memory-pressure';

/** MemTotal in bytes from /proc/meminfo. */
function memTotalBytes(text: string): number | null {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

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
  /** Where an OOM kill would choose: among its memory cgroup's members (it has a limit) or the whole host. */
  domain: 'cgroup' | 'host';
  cgroupPath: string | null;
  /** RSS as a share of the domain's memory (the cgroup limit, or MemTotal). */
  share: number | null;
};

export const memory: Check = {
  meta: {
    id: 'memory',
    title: 'Memory and OOM standing',
    description: 'oom_score and oom_score_adj, rank among all processes, RSS against the memory cgroup limit.',
    requires: ['existence'],
    codes: {
      zombie: 'The process is a zombie: it holds no memory, and the OOM killer cannot pick it.',
      ok: 'Not near the front of the OOM queue and not near a cgroup limit.',
      'majority': `It holds more than ${MAJORITY_SHARE * 100}% of its memory cgroup's limit (or of the host's memory): it is the OOM victim when that memory runs out.`,
      'oom-protected': 'oom_score_adj is -1000: the OOM killer never picks it.',
      'kernel-thread': 'Kernel threads are never OOM-killed.',
      unreadable: 'oom_score could not be read.',
    },
  },
  run(ctx) {
    // A zombie holds no memory (oom_score 0): ranking it would only mislead.
    if (ctx.prior.get('existence')?.code === 'zombie') {
      return { status: 'skip', code: 'zombie', summary: 'Not checked: the process has exited (zombie) and holds no memory.' };
    }
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
    // A cgroup OOM kill chooses among the cgroup's own members; a global one among every process.
    const procs = limit && mem.ok ? facts.text(`${mem.value.dir}/cgroup.procs`) : null;
    const domainPids = procs?.ok ? procs.value.split('\n').filter((l) => /^\d+$/.test(l)).map(Number) : null;
    if (mine.ok) {
      let higher = 0;
      const candidates = domainPids ?? facts.processTable().filter((s) => !((s.flags & PF_KTHREAD) !== 0 || s.pid === 2 || s.ppid === 2)).map((s) => s.pid);
      for (const other of candidates) {
        // Ranking reads oom_score only (one file per process; oom_score_adj is the target's alone).
        const o = other === pid ? ok(mine.value.score) : facts.oomScoreOnly(other);
        if (!o.ok) continue;
        ranked++;
        if (o.value > mine.value.score) higher++;
        else if (o.value === mine.value.score && other !== pid) tied++;
        if (!top || o.value > top.score) {
          const st = facts.stat(other);
          top = { pid: other, comm: st.ok ? st.value.comm : '?', score: o.value };
        }
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
      domain: domainPids ? 'cgroup' : 'host',
      cgroupPath: domainPids && mem.ok ? mem.value.path : null,
      share: null,
    };
    if (rssKb !== null) {
      const total = domainPids ? limit : (() => {
        const mi = facts.text('/proc/meminfo');
        return mi.ok ? memTotalBytes(mi.value) : null;
      })();
      evidence.share = total ? (rssKb * 1024) / total : null;
    }
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
    if (holdsMajority(evidence) && evidence.share !== null) {
      const where = evidence.domain === 'cgroup' ? 'its cgroup memory limit' : "the host's memory";
      return { status: 'warn', code: 'majority', summary: `RSS is ${pct(evidence.share)} of ${where}: it is the OOM victim when that runs out.`, details, evidence };
    }
    return { status: 'pass', code: 'ok', summary: `oom_score ${mine.value.score} (rank ${rank} of ${ranked}); ${limit ? `RSS ${rssRatio !== null ? pct(rssRatio) : '?'} of cgroup limit` : 'no cgroup memory limit'}.`, details, evidence };
  },
};
