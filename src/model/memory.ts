/**
 * Memory standing: how close the process is to being the OOM killer's choice — its oom_score against
 * the other candidates (the members of the memory cgroup whose limit binds, else every user process), and its
 * RSS against that domain's memory. On cgroup v2 the binding memory.max may be an ancestor's (a slice's
 * MemoryMax): the kernel's OOM killer then acts at that slice and chooses among every process under it
 * (mm/memcontrol.c mem_cgroup_out_of_memory -> mm/oom_kill.c mem_cgroup_scan_tasks walks the subtree).
 */
import type { Facts, Read } from '../source/types';
import { isKernelThreadStat } from './existence';
import { realLimit } from './cgroup';
import { parsePsi, readMemoryV2, readPressure, type MemoryV2 } from '../source/memory-v2';
import { readOomd } from '../source/systemd/oomd';

/** Share of the domain's memory above which it stays the OOM victim whatever fills the rest. */
export const MAJORITY_SHARE = 0.5;

export type MemorySection = {
  oomScore: number | null;
  oomScoreAdj: number | null;
  /** 1 = the OOM killer's first choice; ties share a rank. Null when not ranked (see `unranked`). */
  rank: number | null;
  /**
   * Why the rank among every process of the host was not read (the host has memory to spare, nothing
   * stalls on it and its oom_score_adj does not put it forward): null when it was ranked. Absent in
   * sections made before this field (bundles of older versions, plugins' evidence): ranked.
   */
  unranked?: string | null;
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
  /** cgroup v2: memory.high/max/swap.max (lowest on the path), use, memory.events, PSI; null on v1. */
  v2: MemoryV2 | null;
  /** systemd-oomd's watches on its cgroup path, with each watched cgroup's pressure now; null where oomd cannot act. */
  oomd: OomdView | null;
  /** memory.high holds it back now: its cgroup is at its lowest memory.high and stalls on memory. */
  throttled: boolean;
  /** Which killer acts and when (the kernel's OOM killer at memory.max, systemd-oomd at pressure or swap), one phrase each. */
  killers: string[];
};

export type OomdView = {
  running: boolean;
  durationSec: number;
  swapUsedLimitPct: number;
  /** The unit with ManagedOOMSwap=kill on its path (Debian: -.slice). */
  swapUnit: string | null;
  /**
   * The host now, as oomd's swap check reads it (systemd 252 src/oom/oomd-manager.c monitor_swap_contexts_handler:
   * it acts when memory used (MemTotal - MemAvailable) AND swap used both pass SwapUsedLimit, and kills the
   * monitored cgroup using the most swap): each as a percentage, and its cgroup's share of the swap in use.
   */
  swapNow: { memUsedPct: number; swapUsedPct: number; share: number | null } | null;
  watches: { unit: string; cgroup: string; limitPct: number; fullAvg10: number | null }[];
  query: string;
};

/**
 * oomd's swap kill is due now and this process's cgroup holds more than half of the swap in use, so it is the
 * cgroup using the most (whatever the others hold): null otherwise.
 */
export function oomdSwapDue(m: MemorySection): NonNullable<OomdView['swapNow']> | null {
  const o = m.oomd;
  const n = o?.swapNow;
  if (!o?.running || !o.swapUnit || !n || n.share === null) return null;
  return n.memUsedPct > o.swapUsedLimitPct && n.swapUsedPct > o.swapUsedLimitPct && n.share > MAJORITY_SHARE ? n : null;
}

/** A watch whose pressure is above its limit now: held for durationSec, oomd kills. */
export function oomdOverLimit(m: MemorySection): OomdView['watches'][number] | null {
  if (!m.oomd?.running) return null;
  return m.oomd.watches.find((w) => w.fullAvg10 !== null && w.fullAvg10 > w.limitPct) ?? null;
}

/** Share of memory.high at and above which a cgroup with memory stalls counts as held back by it. */
const THROTTLE_SHARE = 0.95;
/** PSI `some` avg10 (%) from which a stall is more than noise. */
const STALL_PCT = 1;

const mib = (b: number): string => `${Math.round(b / 1048576)} MiB`;

function killerPhrases(v2: MemoryV2 | null, oomd: OomdView | null, leafPath: string): string[] {
  const out: string[] = [];
  if (v2) {
    // The use that counts against the binding memory.max: that cgroup's (a slice's whole subtree).
    const at = v2.max && v2.max.path !== leafPath && v2.max.currentBytes != null ? v2.max : null;
    const use = at
      ? ` (${at.path} uses ${mib(at.currentBytes as number)}`
      : v2.currentBytes !== null
        ? ` (its cgroup uses ${mib(v2.currentBytes)}`
        : ' (';
    const swap =
      v2.swapCurrentBytes !== null && v2.swapCurrentBytes > 0
        ? `${use === ' (' ? '' : ', '}${mib(v2.swapCurrentBytes)} in swap${v2.swapMax ? ` of swap.max ${mib(v2.swapMax.bytes)}` : ''}`
        : '';
    const tail = use === ' (' && swap === '' ? '' : `${use}${swap})`;
    out.push(
      v2.max
        ? `the kernel OOM killer when ${v2.max.path} reaches memory.max ${mib(v2.max.bytes)}${tail}`
        : `the kernel OOM killer only when the host runs out of memory and swap (no memory.max on its path)${tail}`,
    );
  }
  if (oomd) {
    const off = oomd.running ? '' : ' (systemd-oomd is not running now)';
    for (const w of oomd.watches)
      out.push(
        `systemd-oomd when memory pressure of ${w.cgroup} (${w.unit}) stays above ${w.limitPct}% for ${oomd.durationSec} s (now ${w.fullAvg10 ?? '?'}%)${off}`,
      );
    if (oomd.swapUnit)
      out.push(
        `systemd-oomd when memory use and swap use both pass ${oomd.swapUsedLimitPct}% (ManagedOOMSwap=kill on ${oomd.swapUnit}: it kills the cgroup using the most swap${oomd.swapNow ? `; now memory ${oomd.swapNow.memUsedPct}%, swap ${oomd.swapNow.swapUsedPct}%${oomd.swapNow.share !== null ? `, its cgroup holds ${Math.round(oomd.swapNow.share * 100)}% of the swap in use` : ''}` : ''})${off}`,
      );
  }
  return out;
}

export type Memory =
  | { kind: 'kernel-thread' }
  | { kind: 'unread'; section: MemorySection; code: string; message: string }
  | { kind: 'read'; section: MemorySection };

/** The one threshold the memory check and the memory-pressure rule share. */
export function holdsMajority(m: MemorySection): boolean {
  return m.share !== null && m.share > MAJORITY_SHARE && (m.oomScoreAdj ?? 0) <= 0;
}

const pidsOf = (r: Read<string>): number[] | null =>
  r.ok
    ? r.value
        .split('\n')
        .filter((l) => /^\d+$/.test(l))
        .map(Number)
    : null;

/** Interface files of cgroup v2 controllers: every other entry of a cgroup directory is a child cgroup. */
const CONTROL_FILE = /^(cgroup|memory|cpu|cpuset|io|pids|hugetlb|rdma|misc|irq)\./;
/** Bound on the cgroups read under a limited one (a slice of a busy host). */
const MAX_SUBTREE = 512;

/** Every process in a v2 cgroup and its descendants (only leaves hold processes, but every level is read). */
function subtreePids(facts: Facts, dir: string): number[] | null {
  const own = pidsOf(facts.text(`${dir}/cgroup.procs`));
  if (own === null) return null;
  const out = [...own];
  const queue = [dir];
  let seen = 1;
  while (queue.length > 0 && seen < MAX_SUBTREE) {
    const d = queue.shift() as string;
    const l = facts.raw.listDir(d);
    if (!l.ok) continue;
    for (const name of l.value) {
      if (CONTROL_FILE.test(name) || seen >= MAX_SUBTREE) continue;
      const child = `${d}/${name}`;
      const p = pidsOf(facts.text(`${child}/cgroup.procs`));
      if (p === null) continue;
      seen++;
      out.push(...p);
      queue.push(child);
    }
  }
  return out;
}

/** /proc/meminfo's figures oomd reads (src/oom/oomd-util.c oomd_system_context_acquire), as percentages. */
function hostSwapNow(facts: Facts, cgroupSwapBytes: number | null): OomdView['swapNow'] {
  const mi = facts.text('/proc/meminfo');
  if (!mi.ok) return null;
  const kb = (k: string): number | null => {
    const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(mi.value);
    return m ? Number(m[1]) : null;
  };
  const [total, avail, swapTotal, swapFree] = ['MemTotal', 'MemAvailable', 'SwapTotal', 'SwapFree'].map(kb);
  if (!total || avail === null || !swapTotal || swapFree === null) return null;
  const pct1 = (x: number): number => Math.round(x * 1000) / 10;
  const swapUsedBytes = (swapTotal - swapFree) * 1024;
  return {
    memUsedPct: pct1((total - avail) / total),
    swapUsedPct: pct1((swapTotal - swapFree) / swapTotal),
    share: cgroupSwapBytes !== null && swapUsedBytes > 0 ? Math.min(1, cgroupSwapBytes / swapUsedBytes) : null,
  };
}

/**
 * Below this share of MemTotal available (MemAvailable), an OOM kill of the host may come; above it, with
 * no memory stall, the queue only orders processes that are not about to be chosen among.
 */
export const LOW_AVAILABLE_SHARE = 0.1;

/**
 * Why ranking this process among every process of the host would say nothing now, or null when the rank
 * is read. The rank orders the OOM killer's choice (mm/oom_kill.c select_bad_process over oom_badness), but
 * no rule decides on it (memory-pressure.ts: only a majority share predicts the victim; "first in the queue"
 * on a host with memory to spare is no threat): it is worth one read of oom_score per process only where an
 * OOM kill may come (MemAvailable below LOW_AVAILABLE_SHARE of MemTotal, or a memory stall now in PSI, the
 * host's or its cgroup's) or where its oom_score_adj puts it forward. /proc/meminfo unreadable: ranked.
 */
function hostRankIdle(facts: Facts, adj: number, v2: MemoryV2 | null): string | null {
  if (adj > 0) return null;
  const mi = facts.text('/proc/meminfo');
  const kb = (k: string): number | null => {
    const m = mi.ok ? new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(mi.value) : null;
    return m ? Number(m[1]) : null;
  };
  const total = kb('MemTotal');
  const avail = kb('MemAvailable');
  if (!total || avail === null || avail < total * LOW_AVAILABLE_SHARE) return null;
  // cgroup v2 read the host's PSI already; v1 hosts have it too when the kernel counts it (4.20+, psi=1).
  const psi = v2 ? v2.hostPressure : parsePsiRead(facts.text('/proc/pressure/memory'));
  if ((psi?.someAvg10 ?? 0) >= STALL_PCT || (v2?.pressure?.someAvg10 ?? 0) >= STALL_PCT) return null;
  return `${Math.round((avail / total) * 100)}% of the host's memory is available and nothing stalls on memory`;
}

const parsePsiRead = (r: Read<string>): ReturnType<typeof parsePsi> => (r.ok ? parsePsi(r.value) : null);

/** The rank as reports quote it: `rank 3 of 120`, or why it was not read. */
export function rankPhrase(m: MemorySection): string {
  return m.unranked ? `not ranked: ${m.unranked}` : `rank ${m.rank} of ${m.ranked}`;
}

/** MemTotal in bytes from /proc/meminfo. */
function memTotalBytes(text: string): number | null {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** Where a memory cgroup's hierarchy is mounted: its dir less its path (`/sys/fs/cgroup` on v2). */
export function hierarchyRoot(cg: { dir: string; path: string }): string {
  return cg.path === '/' ? cg.dir : cg.dir.slice(0, -cg.path.length);
}

export function deriveMemory(facts: Facts, pid: number): Memory {
  const self = facts.stat(pid);
  if (self.ok && isKernelThreadStat(self.value)) return { kind: 'kernel-thread' };
  const mine = facts.oomScore(pid);
  const status = facts.status(pid);
  const rssKb = status.ok ? status.value.vmRssKb : null;
  const mem = facts.memoryCgroup(pid);
  const v2 = mem.ok && mem.value.version === 2 ? readMemoryV2(mem.value, (p) => facts.text(p)) : null;
  const v2Root = mem.ok ? hierarchyRoot(mem.value) : '';
  // The cgroup whose memory.max binds (v2: its own or an ancestor's, see readMemoryV2); v1: its own.
  const bind =
    v2?.max && mem.ok
      ? { path: v2.max.path, dir: `${v2Root}${v2.max.path}`, limit: v2.max.bytes, usage: v2.max.currentBytes ?? null }
      : mem.ok
        ? {
            path: mem.value.path,
            dir: mem.value.dir,
            limit: realLimit(mem.value.limitBytes),
            usage: mem.value.usageBytes,
          }
        : null;
  const limit = bind?.limit ?? null;
  const usage = bind?.usage ?? null;
  let rank: number | null = null;
  let ranked = 0;
  let tied = 0;
  let top: MemorySection['top'] = null;
  // A cgroup OOM kill chooses among the members of the limited cgroup (v2: its whole subtree); a global one
  // among every process.
  const domainPids =
    limit && bind ? (v2 ? subtreePids(facts, bind.dir) : pidsOf(facts.text(`${bind.dir}/cgroup.procs`))) : null;
  // The cgroup's own members are few and always ranked; the host's every process only where it may matter.
  const unranked = mine.ok && !domainPids ? hostRankIdle(facts, mine.value.adj, v2) : null;
  if (mine.ok && unranked === null) {
    let higher = 0;
    const candidates =
      domainPids ??
      facts
        .processRows()
        .filter((s) => !isKernelThreadStat(s))
        .map((s) => s.pid);
    // One batch (across the cores, when the source can) rather than a file at a time. Ranking reads
    // oom_score only (one file per process; oom_score_adj is the target's alone).
    const scores = facts.oomScores(candidates);
    candidates.forEach((other, i) => {
      const score = other === pid ? mine.value.score : scores[i];
      if (score === null) return;
      ranked++;
      if (score > mine.value.score) higher++;
      else if (score === mine.value.score && other !== pid) tied++;
      if (!top || score > top.score) {
        const st = facts.stat(other);
        top = { pid: other, comm: st.ok ? st.value.comm : '?', score };
      }
    });
    rank = higher + 1;
  }
  const rssRatio = limit && rssKb !== null ? (rssKb * 1024) / limit : null;
  const usageRatio = limit && usage !== null ? usage / limit : null;
  const section: MemorySection = {
    oomScore: mine.ok ? mine.value.score : null,
    oomScoreAdj: mine.ok ? mine.value.adj : null,
    rank,
    unranked,
    ranked,
    tied,
    top,
    rssKb,
    cgroupLimitBytes: limit,
    cgroupUsageBytes: usage,
    rssRatio,
    usageRatio,
    domain: domainPids ? 'cgroup' : 'host',
    cgroupPath: domainPids && bind ? bind.path : null,
    share: null,
    v2: null,
    oomd: null,
    throttled: false,
    killers: [],
  };
  if (mem.ok && mem.value.version === 2) {
    section.v2 = v2;
    const root = v2Root;
    const o = readOomd(facts, mem.value.path);
    if (o && (o.pressure.length > 0 || o.swap)) {
      section.oomd = {
        running: o.running,
        durationSec: o.durationSec,
        swapUsedLimitPct: o.swapUsedLimitPct,
        swapUnit: o.swap?.unit ?? null,
        swapNow: o.swap ? hostSwapNow(facts, v2?.swapCurrentBytes ?? null) : null,
        watches: o.pressure.map((w) => ({
          unit: w.unit,
          cgroup: w.cgroup,
          limitPct: w.pressureLimitPct,
          // oomd compares the `full` avg10 (systemd 252 src/oom/oomd-util.c oomd_pressure_above, PRESSURE_TYPE_FULL).
          fullAvg10:
            (w.cgroup === '/' ? v2?.hostPressure : readPressure(`${root}${w.cgroup}`, (p) => facts.text(p)))
              ?.fullAvg10 ?? null,
        })),
        query: o.argv.join(' '),
      };
    }
    // Held back by the memory.high that binds: that cgroup's use (a slice's, for a slice's MemoryHigh) at it.
    const highUse = v2?.high ? (v2.high.currentBytes ?? v2.currentBytes) : null;
    if (v2?.high && highUse !== null && highUse !== undefined)
      section.throttled = highUse >= v2.high.bytes * THROTTLE_SHARE && (v2.pressure?.someAvg10 ?? 0) >= STALL_PCT;
    section.killers = killerPhrases(v2, section.oomd, mem.value.path);
  }
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
