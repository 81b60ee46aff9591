/**
 * journal: what systemd and friends recorded about the end of this process — its unit's result
 * (`Main process exited, code=killed, status=9/KILL`, `Failed with result 'oom-kill'`), a
 * systemd-coredump entry, or an earlyoom / systemd-oomd kill. Skipped (not failed) where there is
 * no journal. Reads only through ctx.facts (journalctl runs via the RawSource).
 */
import type { Cause, Check, CheckContext, FindingInput } from '../src/engine/types';
import { formatTime } from '../src/source/kernel-log/describe';
import { searchJournal, type JournalSearch } from '../src/source/journal/read';
import type { JournalEntry, JournalEvent } from '../src/source/journal/parse';
import { journalDeath } from '../src/source/journal/deaths';
import { managerRunning, unitsByMainPid } from '../src/source/systemd';

type Located = { event: JournalEvent; entry: JournalEntry };

/** The sentence for a death one event establishes (its Cause: the shared mapping, src/source/journal/deaths.ts). */
function sentenceOf(x: Located): string {
  const e = x.event;
  const at = formatTime(x.entry.timeMs);
  switch (e.type) {
    case 'coredump':
      return `dumped core${e.signal ? ` after ${e.signal}` : ''} at ${at} (systemd-coredump; see coredumpctl info ${e.pid})`;
    case 'earlyoom-kill':
      return `was sent ${e.signal} by earlyoom at ${at} because the machine was low on memory`;
    case 'unit-oom':
      return `was killed by the OOM killer at ${at} (systemd: a process of ${e.unit} was OOM-killed)`;
    case 'unit-exit':
      return e.code === 'exited'
        ? `exited with status ${e.status ?? '?'} at ${at} (main process of ${e.unit})`
        : `was ${e.code === 'dumped' ? 'killed (core dumped)' : 'killed'} by SIG${e.statusName ?? e.status} at ${at} (main process of ${e.unit})`;
    case 'unit-failed':
      return `was OOM-killed at ${at} (systemd: ${e.unit} failed with result '${e.result}', by the kernel OOM killer or systemd-oomd)`;
    case 'unit-oomd':
      return `was killed by systemd-oomd at ${at} (systemd: systemd-oomd killed ${e.processes} process(es) in ${e.unit})`;
    case 'oomd-kill': {
      const why =
        e.reason === 'swap'
          ? 'swap use over its limit (ManagedOOMSwap=kill)'
          : e.watched !== undefined
            ? `memory pressure for ${e.watched} at ${e.pressurePct}% > ${e.limitPct}% (ManagedOOMMemoryPressure=kill)`
            : 'memory pressure (ManagedOOMMemoryPressure=kill)';
      return `was killed by systemd-oomd at ${at}, with every process of cgroup ${e.cgroup}, for ${why}`;
    }
  }
}

/** The cause one event establishes and its sentence (null for events that only add context). */
function journalCause(x: Located): { cause: Cause; sentence: string } | null {
  const d = journalDeath(x);
  return d ? { cause: d.cause, sentence: sentenceOf(x) } : null;
}

/** Strongest evidence first: a coredump or a named killer beats a unit's summary. */
const RANK: Readonly<Record<JournalEvent['type'], number>> = {
  coredump: 7,
  'earlyoom-kill': 6,
  // oomd's own line names the watched cgroup and the figures; the manager's line only the unit.
  'oomd-kill': 5,
  'unit-oomd': 4,
  'unit-oom': 3,
  'unit-exit': 2,
  'unit-failed': 1,
};

function startMs(ctx: CheckContext): number | null {
  const p = ctx.facts.process(ctx.target.pid);
  if (ctx.target.startTime === null) return p ? p.startedAtMs : null;
  const h = ctx.facts.host();
  return Math.round((h.bootTime + ctx.target.startTime / h.clockTicks) * 1000);
}

function describeEvent(x: Located): string {
  const c = journalCause(x);
  if (c) return `${formatTime(x.entry.timeMs)} ${c.sentence}`;
  if (x.event.type === 'unit-failed')
    return `${formatTime(x.entry.timeMs)} ${x.event.unit} failed with result '${x.event.result}'`;
  return '';
}

function finding(ctx: CheckContext, search: JournalSearch): FindingInput {
  const { pid } = ctx.target;
  const since = startMs(ctx);
  // A unit's result lines carry no pid: one logged before this pid's own last line is about an earlier run
  // of the unit (a crash loop's previous main process), not about this one.
  const aboutUnit = (x: Located): boolean =>
    x.event.type === 'unit-exit' ||
    x.event.type === 'unit-failed' ||
    x.event.type === 'unit-oom' ||
    x.event.type === 'unit-oomd';
  const relevant = search.events.filter(
    (x) =>
      (since === null || x.entry.timeMs === null || x.entry.timeMs >= since) &&
      !(aboutUnit(x) && search.lastOwnMs !== null && x.entry.timeMs !== null && x.entry.timeMs < search.lastOwnMs),
  );
  const evidence = {
    units: search.units,
    events: relevant.map(describeEvent),
    queries: search.queries.map((q) => q.join(' ')),
  };
  const alive = ctx.facts.process(pid) !== null && ctx.facts.process(pid)?.stat.state !== 'Z';
  const best = [...relevant]
    .map((x) => ({ x, c: journalCause(x) }))
    .filter((y): y is { x: Located; c: NonNullable<ReturnType<typeof journalCause>> } => y.c !== null)
    // Same rank: a unit's first result after the pid was last seen is its own (later ones are later runs);
    // other records name the pid itself, and the newest wins.
    .sort(
      (a, b) =>
        RANK[b.x.event.type] - RANK[a.x.event.type] ||
        (aboutUnit(a.x)
          ? (a.x.entry.timeMs ?? 0) - (b.x.entry.timeMs ?? 0)
          : (b.x.entry.timeMs ?? 0) - (a.x.entry.timeMs ?? 0)),
    )[0];
  if (best && !alive) {
    return {
      status: 'fail',
      code: 'died',
      summary: `Process ${pid} ${best.c.sentence}.`,
      details: relevant.map(describeEvent),
      evidence,
      cause: best.c.cause,
    };
  }
  if (relevant.length > 0) {
    return {
      status: 'info',
      code: 'unit-events',
      summary: `The journal has ${relevant.length} record(s) about this process or its unit.`,
      details: relevant.map(describeEvent),
      evidence,
    };
  }
  return {
    status: alive ? 'pass' : 'info',
    code: 'no-record',
    summary: `The journal has no record of how process ${pid} ended${search.units.length ? ` (unit ${search.units.join(', ')})` : ''}.`,
    details: [
      "Searched: entries logged by the pid, its service units' results, systemd-coredump, earlyoom and systemd-oomd.",
    ],
    evidence,
  };
}

export const journal: Check = {
  meta: {
    id: 'journal',
    title: 'Systemd journal',
    description:
      "Unit results (Main process exited, Failed with result 'oom-kill'/'signal'/'core-dump'/...), systemd-coredump, earlyoom and systemd-oomd kills naming the process.",
    codes: {
      died: 'The journal records how this process ended (coredump, a killer daemon, or its unit result).',
      'unit-events': 'The journal has records about this process or its unit, none establishing a cause.',
      'no-record': 'The journal has nothing about how this process ended.',
      'no-journal': 'There is no readable systemd journal on this machine (journalctl missing or failing).',
    },
    timeoutMs: 30000,
  },
  run(ctx) {
    const p = ctx.facts.process(ctx.target.pid);
    const units: string[] = [];
    // A dead main process names its unit through the manager (ExecMainPID; the same memoised `systemctl show`
    // the systemd-unit check reads): its unit's result and an oomd kill are found even when it never logged.
    if (!p && managerRunning(ctx.facts))
      for (const u of unitsByMainPid(ctx.facts, ctx.target.pid).units) if (!units.includes(u.id)) units.push(u.id);
    if (p) {
      const cg = ctx.facts.cgroups(ctx.target.pid);
      if (cg.ok)
        for (const c of cg.value) {
          const u = /([^/]+\.service)$/.exec(c.path);
          if (u && !units.includes(u[1])) units.push(u[1]);
        }
    }
    const search = searchJournal(ctx.facts, ctx.target.pid, units, startMs(ctx));
    if (!search.available) {
      return {
        status: 'skip',
        code: 'no-journal',
        summary: `No systemd journal to search: ${search.why ?? 'unavailable'}.`,
        evidence: { queries: search.queries.map((q) => q.join(' ')) },
      };
    }
    return finding(ctx, search);
  },
};
