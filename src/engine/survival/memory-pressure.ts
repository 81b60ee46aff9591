/**
 * memory-pressure: its memory cgroup (or the host, without a limit) runs out and the OOM killer picks
 * the process with the highest badness (RSS + swap + page tables, shifted by oom_score_adj).
 *
 * The one robust prediction: a process holding more than half of the memory in play stays the
 * biggest whatever fills the rest, so it is the victim. Below that, whoever fills the memory usually
 * outgrows it and is picked first; being "first in the queue" on an idle host is no threat.
 */
import type { SurvivalRule, RiskEvidence } from './types';
import {
  holdsMajority,
  MAJORITY_SHARE,
  oomdOverLimit,
  oomdSwapDue,
  rankPhrase,
  type MemorySection,
} from '../../model/memory';

export { holdsMajority, MAJORITY_SHARE };

const pct = (r: number): string => `${Math.round(r * 100)}%`;

function domainText(m: MemorySection): string {
  return m.domain === 'cgroup' ? `its memory cgroup ${m.cgroupPath ?? ''}`.trimEnd() : 'the host';
}

const protectedAdj = (e: RiskEvidence): boolean => e.memory?.oomScoreAdj === -1000;

/** Which killers would act and when (cgroup v2), as a clause to append; empty on v1. */
// Sections built before these fields existed (bundles of older versions, plugins' evidence) have none.
const killersClause = (m: MemorySection): string =>
  (m.killers?.length ?? 0) > 0 ? `; who kills: ${m.killers.join('; ')}` : '';

export const memoryPressureRules: SurvivalRule[] = [
  {
    code: 'memory.unread',
    event: 'memory-pressure',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'Its oom_score or memory use could not be read.',
    when: (e) => (!e.memory || e.memory.oomScore === null ? 'its oom_score could not be read' : null),
  },
  {
    // Before oom-protected: systemd-oomd kills a whole cgroup whatever its members' oom_score_adj.
    code: 'memory.oomd-pressure',
    event: 'memory-pressure',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'systemd-oomd watches a cgroup on its path (ManagedOOMMemoryPressure=kill) whose memory pressure is above the limit now: held for the duration, oomd kills the cgroup reclaiming the most there, every process in it.',
    when: (e) => {
      const m = e.memory;
      const w = m ? oomdOverLimit(m) : null;
      return m && w && m.oomd
        ? `systemd-oomd watches ${w.cgroup} (${w.unit}: ManagedOOMMemoryPressure=kill) and its memory pressure is ${w.fullAvg10}% now, above the ${w.limitPct}% limit: held for ${m.oomd.durationSec} s, oomd kills the cgroup reclaiming the most under it, every process in it, whatever oom_score_adj says${killersClause(m)}`
        : null;
    },
  },
  {
    // Before oom-protected too: oomd's swap kill takes a whole cgroup whatever oom_score_adj says.
    code: 'memory.oomd-swap',
    event: 'memory-pressure',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'systemd-oomd watches swap (ManagedOOMSwap=kill on a unit on its path, Debian: -.slice), memory use and swap use are both above SwapUsedLimit now, and its cgroup holds more than half of the swap in use: oomd kills the cgroup using the most swap, this one, every process in it.',
    when: (e) => {
      const m = e.memory;
      const n = m ? oomdSwapDue(m) : null;
      return m?.oomd && n
        ? `systemd-oomd kills the cgroup using the most swap (ManagedOOMSwap=kill on ${m.oomd.swapUnit}) once memory use and swap use both pass ${m.oomd.swapUsedLimitPct}%: now memory ${n.memUsedPct}%, swap ${n.swapUsedPct}%, and its cgroup holds ${pct(n.share ?? 0)} of the swap in use, so it is the one, whatever oom_score_adj says`
        : null;
    },
  },
  {
    code: 'memory.oom-protected',
    event: 'memory-pressure',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'oom_score_adj is -1000: the OOM killer never picks it.',
    when: (e) => (protectedAdj(e) ? 'oom_score_adj is -1000: the OOM killer never picks it' : null),
  },
  {
    code: 'memory.majority',
    event: 'memory-pressure',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      "It holds more than half of its memory cgroup's limit (or of the host's memory): whatever fills the rest stays smaller, so the OOM killer picks it.",
    when: (e) => {
      const m = e.memory;
      return m && holdsMajority(m) && m.share !== null
        ? `its RSS (${m.rssKb} kB) is ${pct(m.share)} of ${domainText(m)}'s memory${m.domain === 'cgroup' ? ' limit' : ''}: whatever fills the rest stays smaller, so when it runs out the OOM killer picks it${killersClause(m)}`
        : null;
    },
  },
  {
    code: 'memory.high-throttled',
    event: 'memory-pressure',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'cgroup v2: its cgroup is held at memory.high and stalls on memory (PSI): the kernel throttles and reclaims (swap) instead of killing; it dies if use reaches memory.max or systemd-oomd sees the pressure pass its limit.',
    when: (e) => {
      const m = e.memory;
      const v2 = m?.v2;
      if (!m || m.throttled !== true || !v2 || !v2.high) return null;
      const p = v2.pressure;
      return `its cgroup is held at memory.high ${Math.round(v2.high.bytes / 1048576)} MiB (set on ${v2.high.path}; ${v2.events ? `${v2.events.high} high event(s)` : 'events unread'}) and stalls on memory ${p ? `${p.someAvg10}% of the time (some avg10; full ${p.fullAvg10}%)` : ''}: the kernel throttles it and pushes its memory to swap rather than kill it${killersClause(m)}`;
    },
  },
  {
    code: 'memory.minority',
    event: 'memory-pressure',
    outcome: 'survives',
    confidence: 'likely',
    meaning: 'It holds at most half of the memory in play: a process filling the rest outgrows it and is picked first.',
    when: (e) => {
      const m = e.memory;
      if (!m) return null;
      const share =
        m.share !== null
          ? `${pct(m.share)} of ${domainText(m)}'s memory${m.domain === 'cgroup' ? ' limit' : ''}`
          : `an unknown share of ${domainText(m)}'s memory`;
      return `it holds ${share} (oom_score ${m.oomScore}, ${rankPhrase(m)}${m.domain === 'cgroup' ? ' in its cgroup' : ''}): whatever fills the rest outgrows it and is picked first${killersClause(m)}`;
    },
  },
];
