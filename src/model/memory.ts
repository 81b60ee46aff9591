/**
 * Memory standing: how close the process is to being the OOM killer's choice — its oom_score against
 * the other candidates (its memory cgroup's members when the cgroup has a limit, else every user
 * process), and its RSS against that domain's memory.
 */
import type { Facts, Read } from '../source/types';
import { ok } from '../source/types';
import { isKernelThreadStat } from './existence';
import { realLimit } from './cgroup';
import { readMemoryV2, readPressure, type MemoryV2 } from '../source/memory-v2';
import { readOomd } from '../source/systemd/oomd';

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
  watches: { unit: string; cgroup: string; limitPct: number; fullAvg10: number | null }[];
  query: string;
};

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

function killerPhrases(v2: MemoryV2 | null, oomd: OomdView | null): string[] {
  const out: string[] = [];
  if (v2) {
    const use = v2.currentBytes !== null ? ` (its cgroup uses ${mib(v2.currentBytes)}` : ' (';
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
        `systemd-oomd when swap use passes ${oomd.swapUsedLimitPct}% (ManagedOOMSwap=kill on ${oomd.swapUnit}: it kills the cgroup using the most swap)${off}`,
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
    v2: null,
    oomd: null,
    throttled: false,
    killers: [],
  };
  if (mem.ok && mem.value.version === 2) {
    const v2 = readMemoryV2(mem.value, (p) => facts.text(p));
    section.v2 = v2;
    const root = mem.value.path === '/' ? mem.value.dir : mem.value.dir.slice(0, -mem.value.path.length);
    const o = readOomd(facts, mem.value.path);
    if (o && (o.pressure.length > 0 || o.swap)) {
      section.oomd = {
        running: o.running,
        durationSec: o.durationSec,
        swapUsedLimitPct: o.swapUsedLimitPct,
        swapUnit: o.swap?.unit ?? null,
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
    if (v2?.high && v2.currentBytes !== null)
      section.throttled =
        v2.currentBytes >= v2.high.bytes * THROTTLE_SHARE && (v2.pressure?.someAvg10 ?? 0) >= STALL_PCT;
    section.killers = killerPhrases(v2, section.oomd);
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
