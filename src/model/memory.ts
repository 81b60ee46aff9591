/**
 * Memory standing: how close the process is to being the OOM killer's choice — its oom_score against
 * the other candidates (its memory cgroup's members when the cgroup has a limit, else every user
 * process), and its RSS against that domain's memory.
 */
import type { Facts, Read } from '../source/types';
import { ok } from '../source/types';
import { isKernelThreadStat } from './existence';
import { realLimit } from './cgroup';

/** Share of the domain's memory above which it stays the OOM victim whatever fills the rest. */
export const MAJORITY_SHARE = 0.5;

export type MemorySection = {
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

export type Memory =
  | { kind: 'kernel-thread' }
  | { kind: 'unread'; section: MemorySection; code: string; message: string }
  | { kind: 'read'; section: MemorySection };

/** The one threshold the memory check and the memory-pressure rule share. */
export function holdsMajority(m: MemorySection): boolean {
  return m.share !== null && m.share > MAJORITY_SHARE && (m.oomScoreAdj ?? 0) <= 0;
}

/** MemTotal in bytes from /proc/meminfo. */
function memTotalBytes(text: string): number | null {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

export function deriveMemory(facts: Facts, pid: number): Memory {
  const self = facts.stat(pid);
  if (self.ok && isKernelThreadStat(self.value)) return { kind: 'kernel-thread' };
  const mine = facts.oomScore(pid);
  const status = facts.status(pid);
  const rssKb = status.ok ? status.value.vmRssKb : null;
  const mem = facts.memoryCgroup(pid);
  const limit = mem.ok ? realLimit(mem.value.limitBytes) : null;
  const usage = mem.ok ? mem.value.usageBytes : null;
  let rank: number | null = null;
  let ranked = 0;
  let tied = 0;
  let top: MemorySection['top'] = null;
  // A cgroup OOM kill chooses among the cgroup's own members; a global one among every process.
  const procs = limit && mem.ok ? facts.text(`${mem.value.dir}/cgroup.procs`) : null;
  const domainPids = procs?.ok
    ? procs.value
        .split('\n')
        .filter((l) => /^\d+$/.test(l))
        .map(Number)
    : null;
  if (mine.ok) {
    let higher = 0;
    const candidates =
      domainPids ??
      facts
        .processTable()
        .filter((s) => !isKernelThreadStat(s))
        .map((s) => s.pid);
    // One batch (across the cores, when the source can) rather than a file at a time.
    facts.readAhead('oom_score', candidates);
    for (const other of candidates) {
      // Ranking reads oom_score only (one file per process; oom_score_adj is the target's alone).
      const o: Read<number> = other === pid ? ok(mine.value.score) : facts.oomScoreOnly(other);
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
  const section: MemorySection = {
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
    let total: number | null;
    if (domainPids) total = limit;
    else {
      const mi = facts.text('/proc/meminfo');
      total = mi.ok ? memTotalBytes(mi.value) : null;
    }
    section.share = total ? (rssKb * 1024) / total : null;
  }
  return mine.ok ? { kind: 'read', section } : { kind: 'unread', section, code: mine.code, message: mine.message };
}
