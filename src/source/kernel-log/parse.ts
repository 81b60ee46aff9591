/**
 * One kernel message -> one typed event (or null). Formats from mm/oom_kill.c, mm/memcontrol.c,
 * arch/x86/mm/fault.c, arch/x86/kernel/traps.c, kernel/hung_task.c and kernel/audit.c, 3.x to 6.x.
 *
 * Process names (comm) are hostile: they may hold spaces, brackets, parentheses, colons, even
 * newlines. A comm is at most 15 characters, so each regex takes the comm lazily and then demands
 * the full fixed structure that follows it; a fake structure cannot fit inside 15 characters.
 * Never throws.
 */
import type { KernelEvent } from './types';
import { parseFault } from './parse-faults';
import { parseOops, taintOf } from './parse-oops';
import { parseMemoryFailure } from './parse-memory-failure';
import { parseUserspace } from './parse-userspace';

// Generous upper bound for comm (the kernel's is 15); kmsg's escaping is already decoded.
const C = '([\\s\\S]{0,64}?)';

/**
 * mm/oom_kill.c dump_header: 2.6.36+ `"%s invoked oom-killer: gfp_mask=0x%x, order=%d, oom_adj=%d,
 * oom_score_adj=%d"` (oom_adj dropped in 3.x, `gfp_mask=%#x(%pGg)` and `nodemask=` since 4.x); 2.6.2x to
 * 2.6.35 `"%s invoked oom-killer: gfp_mask=0x%x, order=%d, oomkilladj=%d"` (the old oom_adj scale, not read).
 */
const OOM_HEADER = new RegExp(
  `^${C} invoked oom-killer: gfp_mask=([^,\\s]+),[\\s\\S]*?\\border=(-?\\d+), (?:(?:oom_adj=-?\\d+, )?oom_score_adj=(-?\\d+)|oomkilladj=-?\\d+)`,
);
const STACK_TASK_HEAD = /^CPU: \d+ (?:UID: \d+ )?PID: (\d+) Comm: /;
const TAINT_MARK = /(?= (?:Not tainted|Tainted:))/g;

/**
 * The task line's comm ends where print_tainted's text starts. A comm may itself hold " Not tainted" (it is
 * hostile and up to 15 bytes): the real marker is the last one a 15-byte comm can reach.
 */
function stackTask(message: string): KernelEvent | null {
  const m = STACK_TASK_HEAD.exec(message);
  if (!m) return null;
  const rest = message.slice(m[0].length);
  let cut = -1;
  for (const hit of rest.slice(0, 80).matchAll(TAINT_MARK)) {
    const at = hit.index ?? -1;
    if (cut === -1 || Buffer.byteLength(rest.slice(0, at)) <= 15) cut = at;
  }
  if (cut === -1) return null;
  return { type: 'stack-task', pid: int(m[1]), comm: rest.slice(0, cut), ...taintOf(rest.slice(cut + 1)) };
}
// "kill process" was lower case in 2.6.36-2.6.3x; "Memory cgroup out of memory" since 2.6.2x memcg.
const OOM_SELECT = new RegExp(
  `^((?:Memory cgroup )?[Oo]ut of memory(?: \\([a-z_]+\\))?): [Kk]ill process (\\d+) \\(${C}\\) score (-?\\d+) or sacrifice child`,
);
/** 2.6.32 (RHEL 6): `"Killed process %d, UID %d, (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB\n"`. */
const OOM_KILLED_2632 = new RegExp(
  `^(?:([\\s\\S]{0,80}?): )?Killed process (\\d+), UID (\\d+), \\(${C}\\) total-vm:(\\d+)kB, anon-rss:(\\d+)kB, file-rss:(\\d+)kB`,
);
// A pasted copy may carry digit-group commas in the sizes ("total-vm:26,184,840kB"): read, then dropped.
const N = '(\\d[\\d,]{0,24})';
const OOM_KILLED = new RegExp(
  `^(?:([\\s\\S]{0,80}?): )?Killed process (\\d+) \\(${C}\\),? (?:UID (\\d+), )?total-vm:${N}kB, anon-rss:${N}kB, file-rss:${N}kB(?:, shmem-rss:${N}kB)?(?:,? UID:(\\d+) pgtables:${N}kB oom_score_adj:(-?\\d+))?`,
);
// Paths are hostile too; pid and uid are read from the right end, comm is bounded.
const OOM_SUMMARY = new RegExp(
  `^oom-kill:constraint=([A-Z_]+),(?:nodemask=(?:\\(null\\)|[0-9,\\-]*),)?(?:cpuset=[\\s\\S]*?,)?(?:mems_allowed=[0-9,\\-]*,)?(?:oom_memcg=([\\s\\S]*?)|global_oom),task_memcg=([\\s\\S]*),task=${C},pid=(\\d+),uid=(\\d+)\\s*$`,
);
const MEMCG_TASK = /^Task in ([\s\S]*?) killed as a result of limit of ([\s\S]*?)\s*$/;
const MEMCG_USAGE = /^memory: usage (\d+)kB, limit (\d+)kB, failcnt (\d+)/;
const OOM_REAPED = new RegExp(`^oom_reaper: reaped process (\\d+) \\(${C}\\), now anon-rss:`);
const OOM_REAP_FAILED = new RegExp(`^oom_reaper: unable to reap pid:(\\d+) \\(${C}\\)\\s*$`);
const SEGFAULT = new RegExp(
  `^${C}\\[(\\d+)\\]: segfault at ([0-9a-fA-Fx]+) ip ([0-9a-fA-Fx]+|\\(null\\)) sp ([0-9a-fA-Fx]+|\\(null\\)) error ([0-9a-fA-F]+)(?: in ([\\s\\S]*?)(?:\\[([^\\]\\[]*)\\])?)?(?: likely on CPU (\\d+) \\(core \\d+, socket \\d+\\))?\\s*$`,
);
const TRAP = new RegExp(
  `^(?:traps: )?${C}\\[(\\d+)\\] (trap [a-zA-Z0-9 ]+?|general protection(?: fault)?) ip:([0-9a-fA-F]+) sp:([0-9a-fA-F]+) error:([0-9a-fA-F]+)(?: in ([\\s\\S]*?)(?:\\[[^\\]\\[]*\\])?)?\\s*$`,
);
// kernel/audit.c audit_core_dumps via printk (`audit: type=1701 audit(T:S): ...`), and the same record as
// journald's audit transport writes it (`ANOM_ABEND auid=... pid=N comm="c" ... sig=N`, no stamp of its own).
const AUDIT_ABEND =
  /(?:type=(?:1701|ANOM_ABEND) (?:msg=)?audit\((\d+)\.(\d+):\d+\):|^ANOM_ABEND )[\s\S]*? pid=(\d+) comm=("[^"]*"|[0-9A-Fa-f]+|\(null\))(?: exe=("[^"]*"|[0-9A-Fa-f]+|\(null\)))?[\s\S]*? sig=(\d+)/;
const HUNG_TASK = new RegExp(`^INFO: task ${C}:(\\d+) blocked for more than (\\d+) seconds\\.`);

const int = (s: string | undefined): number => (s === undefined ? NaN : parseInt(s.replace(/,/g, ''), 10));
const optInt = (s: string | undefined): number | null => (s === undefined ? null : int(s));

/** audit prints a string quoted, or hex-encoded when it has spaces, quotes or control characters. */
function auditString(s: string | undefined): string | null {
  if (s === undefined || s === '(null)') return null;
  if (s.startsWith('"')) return s.slice(1, -1);
  if (s.length % 2 !== 0) return s;
  return Buffer.from(s, 'hex').toString('utf8');
}

function parseSegfault(m: RegExpExecArray): KernelEvent {
  const library = m[7] === undefined ? null : m[7].trim() || null;
  return {
    type: 'segfault',
    comm: m[1],
    pid: int(m[2]),
    address: m[3],
    ip: m[4],
    sp: m[5],
    errorCode: parseInt(m[6], 16),
    library,
    mapping: m[8] ?? null,
    cpu: optInt(m[9]),
  };
}

function parseOom(message: string): KernelEvent | null {
  let m: RegExpExecArray | null;
  if (message.indexOf('Killed process') !== -1 && (m = OOM_KILLED.exec(message))) {
    return {
      type: 'oom-killed',
      prefix: m[1] ?? null,
      pid: int(m[2]),
      comm: m[3],
      uid: optInt(m[4] ?? m[9]),
      totalVmKb: int(m[5]),
      anonRssKb: int(m[6]),
      fileRssKb: int(m[7]),
      shmemRssKb: optInt(m[8]),
      pgtablesKb: optInt(m[10]),
      oomScoreAdj: optInt(m[11]),
    };
  }
  if (message.indexOf('Killed process') !== -1 && (m = OOM_KILLED_2632.exec(message))) {
    return {
      type: 'oom-killed',
      prefix: m[1] ?? null,
      pid: int(m[2]),
      uid: int(m[3]),
      comm: m[4],
      totalVmKb: int(m[5]),
      anonRssKb: int(m[6]),
      fileRssKb: int(m[7]),
      shmemRssKb: null,
      pgtablesKb: null,
      oomScoreAdj: null,
    };
  }
  if (message.startsWith('oom-kill:') && (m = OOM_SUMMARY.exec(message))) {
    return {
      type: 'oom-summary',
      constraint: m[1],
      oomMemcg: m[2] ?? null,
      taskMemcg: m[3],
      comm: m[4],
      pid: int(m[5]),
      uid: int(m[6]),
    };
  }
  if (message.indexOf(' invoked oom-killer') !== -1 && (m = OOM_HEADER.exec(message))) {
    return { type: 'oom-header', comm: m[1], gfpMask: m[2], order: int(m[3]), oomScoreAdj: optInt(m[4]) };
  }
  if (/: [Kk]ill process/.test(message) && (m = OOM_SELECT.exec(message))) {
    return { type: 'oom-kill-select', prefix: m[1], pid: int(m[2]), comm: m[3], score: int(m[4]) };
  }
  if (message.startsWith('memory: usage') && (m = MEMCG_USAGE.exec(message))) {
    return { type: 'memcg-usage', usageKb: int(m[1]), limitKb: int(m[2]), failcnt: int(m[3]) };
  }
  if (message.startsWith('Task in ') && (m = MEMCG_TASK.exec(message)))
    return { type: 'memcg-task', taskMemcg: m[1], limitMemcg: m[2] };
  if (message.startsWith('oom_reaper:') && (m = OOM_REAPED.exec(message)))
    return { type: 'oom-reaped', pid: int(m[1]), comm: m[2] };
  if (message.startsWith('oom_reaper:') && (m = OOM_REAP_FAILED.exec(message)))
    return { type: 'oom-reap-failed', pid: int(m[1]), comm: m[2] };
  return null;
}

function parseCrash(message: string): KernelEvent | null {
  let m: RegExpExecArray | null;
  if (message.indexOf(': segfault at') !== -1 && (m = SEGFAULT.exec(message))) return parseSegfault(m);
  if (
    (message.indexOf('] trap ') !== -1 || message.indexOf('] general protection') !== -1) &&
    (m = TRAP.exec(message))
  ) {
    return {
      type: 'trap',
      comm: m[1],
      pid: int(m[2]),
      trap: m[3].replace(/^trap /, ''),
      ip: m[4],
      sp: m[5],
      errorCode: parseInt(m[6], 16),
      library: m[7] === undefined ? null : m[7].trim() || null,
    };
  }
  if ((message.indexOf('1701') !== -1 || message.indexOf('ANOM_ABEND') !== -1) && (m = AUDIT_ABEND.exec(message))) {
    return {
      type: 'audit-abend',
      auditTimeMs: m[1] === undefined ? null : int(m[1]) * 1000 + int(m[2].padEnd(3, '0').slice(0, 3)),
      pid: int(m[3]),
      comm: auditString(m[4]) ?? '',
      exe: auditString(m[5]),
      signal: int(m[6]),
    };
  }
  if (message.startsWith('INFO: task ') && (m = HUNG_TASK.exec(message)))
    return { type: 'hung-task', comm: m[1], pid: int(m[2]), seconds: int(m[3]) };
  if (message.startsWith('CPU: ')) return stackTask(message);
  return null;
}

/**
 * The event a record reports: a user-space program's tagged line is read only by its own parser
 * (parse-userspace.ts), a kernel message by the kernel's.
 */
export function parseRecord(r: { message: string; source?: string }): KernelEvent | null {
  if (r.source === undefined) return parseKernelMessage(r.message);
  try {
    const ev = parseUserspace(r.message, r.source);
    return ev && 'pid' in ev && !((ev.pid ?? 0) > 0) ? null : ev;
  } catch {
    return null;
  }
}

/** The event a kernel message reports, or null for anything else. */
export function parseKernelMessage(message: string): KernelEvent | null {
  try {
    const ev =
      parseOom(message) ??
      parseCrash(message) ??
      parseFault(message) ??
      parseOops(message) ??
      parseMemoryFailure(message) ??
      parseUserspace(message, null);
    // pid 0 is the idle task: only its task line is kept (it ends an oops's search for a victim).
    if (ev && 'pid' in ev && ev.pid !== null && !(ev.pid > 0) && !(ev.type === 'stack-task' && ev.pid === 0))
      return null;
    return ev;
  } catch {
    return null;
  }
}
