/**
 * memory: how close the process is to being the OOM killer's choice — its oom_score against the
 * other candidates (ranked among the host's only where an OOM kill may come: src/model/memory.ts
 * hostRankIdle), and its RSS against the memory cgroup limit.
 */
import type { Check } from '../src/engine/types';
import { holdsMajority, MAJORITY_SHARE, oomdOverLimit, rankPhrase, type MemorySection } from '../src/model/memory';

const mib = (b: number): string => `${Math.round(b / 1048576)} MiB`;

/** cgroup v2 lines: limits on the path, use, memory.events, PSI, and who would kill. */
function v2Details(m: MemorySection): string[] {
  const v = m.v2;
  if (!v) return [];
  const lim = (name: string, l: { bytes: number; path: string } | null): string =>
    l ? `${name} ${mib(l.bytes)} (on ${l.path})` : `${name} max`;
  const out = [
    `cgroup v2: ${lim('memory.high', v.high)}, ${lim('memory.max', v.max)}, ${lim('memory.swap.max', v.swapMax)}; uses ${v.currentBytes !== null ? mib(v.currentBytes) : '?'} + ${v.swapCurrentBytes !== null ? mib(v.swapCurrentBytes) : '?'} swap.`,
  ];
  if (v.events)
    out.push(
      `memory.events: high ${v.events.high}, max ${v.events.max}, oom ${v.events.oom}, oom_kill ${v.events.oomKill}.`,
    );
  if (v.pressure)
    out.push(
      `memory.pressure: some avg10 ${v.pressure.someAvg10}%, full avg10 ${v.pressure.fullAvg10}%${v.hostPressure ? `; host (/proc/pressure/memory) some ${v.hostPressure.someAvg10}%, full ${v.hostPressure.fullAvg10}%` : ''}.`,
    );
  for (const k of m.killers ?? []) out.push(`Would kill it: ${k}.`);
  return out;
}

export const memory: Check = {
  meta: {
    id: 'memory',
    title: 'Memory and OOM standing',
    description:
      "oom_score and oom_score_adj, rank among the processes an OOM kill would choose from (the host's only when its memory is short or stalls, or oom_score_adj puts it forward), RSS against the memory cgroup limit.",
    requires: ['existence'],
    codes: {
      zombie: 'The process is a zombie: it holds no memory, and the OOM killer cannot pick it.',
      ok: 'Not near the front of the OOM queue and not near a cgroup limit.',
      majority: `It holds more than ${MAJORITY_SHARE * 100}% of its memory cgroup's limit (or of the host's memory): it is the OOM victim when that memory runs out.`,
      'oom-protected': 'oom_score_adj is -1000: the OOM killer never picks it.',
      'oomd-pressure':
        'systemd-oomd watches a cgroup on its path and the memory pressure there is above its limit now: oomd kills when it stays there.',
      throttled:
        'cgroup v2: held at memory.high and stalling on memory; throttled and swapped, not killed, until memory.max or systemd-oomd acts.',
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
        ? `oom_score ${evidence.oomScore}, oom_score_adj ${evidence.oomScoreAdj}, ${rankPhrase(evidence)}${top ? `; highest is ${top.comm} (${top.pid}) at ${top.score}` : ''}.`
        : `oom_score unreadable: ${m.message}`,
      `RSS ${rssKb ?? '?'} kB${limit ? `, cgroup limit ${limit} bytes (${rssRatio !== null ? pct(rssRatio) : '?'} of it; cgroup usage ${usageRatio !== null ? pct(usageRatio) : '?'})` : ', no cgroup memory limit'}.`,
      ...v2Details(evidence),
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
    const over = oomdOverLimit(evidence);
    if (over) {
      return {
        status: 'warn',
        code: 'oomd-pressure',
        summary: `systemd-oomd watches ${over.cgroup} (${over.unit}): memory pressure there is ${over.fullAvg10}%, above its ${over.limitPct}% limit; held for ${evidence.oomd?.durationSec ?? '?'} s, oomd kills.`,
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
    if (evidence.throttled === true && evidence.v2?.high) {
      const p = evidence.v2.pressure;
      return {
        status: 'warn',
        code: 'throttled',
        summary: `Held at memory.high ${mib(evidence.v2.high.bytes)} (on ${evidence.v2.high.path}) and stalled on memory ${p ? `${p.someAvg10}%` : '?'} of the time: throttled and swapping, not killed.`,
        details,
        evidence,
      };
    }
    return {
      status: 'pass',
      code: 'ok',
      summary: `oom_score ${evidence.oomScore} (${evidence.unranked ? 'not ranked: the host has memory to spare' : `rank ${rank} of ${ranked}`}); ${limit ? `RSS ${rssRatio !== null ? pct(rssRatio) : '?'} of cgroup limit` : 'no cgroup memory limit'}.`,
      details,
      evidence,
    };
  },
};
