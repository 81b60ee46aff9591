/**
 * Sentences a person can act on, built from a Death. Pure; comm and paths are passed through as
 * data (renderers escape control characters).
 */
import { UNKNOWN_SIGNAL, type Death, type HungTask, type MachineDeath } from './types';
import { describeWall } from './wall-time';

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local wall-clock time `YYYY-MM-DD HH:MM:SS`. */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'an unknown time';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const YEAR_FROM: Readonly<Record<string, string>> = {
  audit: "the year is from an audit record's time",
  mtime: "the year is from the file's modification time",
};

/**
 * When a death or warning happened, as a phrase: "at 2024-04-29 14:55:41 +02:00" (the log's own zone),
 * "at 2019-03-15 07:10:14 (the log's local time)", "at Aug 16 20:29:54 (the log gives no year)",
 * "518.05 s after boot (the log gives no wall-clock time)", "at a time the log does not give".
 * A saved log's stamp is shown as it was written, never converted to this machine's zone.
 */
export function whenOf(x: Pick<Death, 'wall' | 'uptimeSec' | 'timeMs'> | HungTask | MachineDeath): string {
  const w = x.wall ?? null;
  if (w) {
    const text = describeWall(w);
    const from = w.yearFrom ? YEAR_FROM[w.yearFrom] : null;
    if (!from) return `at ${text}`;
    return `at ${text.endsWith(')') ? `${text.slice(0, -1)}; ${from})` : `${text} (${from})`}`;
  }
  if (x.timeMs !== null && Number.isFinite(x.timeMs)) return `at ${formatTime(x.timeMs)}`;
  const up = x.uptimeSec ?? null;
  if (up !== null && Number.isFinite(up))
    return `${up >= 100 ? Math.round(up) : Math.round(up * 100) / 100} s after boot (the log gives no wall-clock time)`;
  return 'at a time the log does not give';
}

/** `40 MiB`, `1.5 GiB`, `512 KiB` from kB (the kernel's kB are KiB). */
function formatKb(kb: number): string {
  if (kb >= 1024 * 1024) return `${trim(kb / 1024 / 1024)} GiB`;
  if (kb >= 1024) return `${trim(kb / 1024)} MiB`;
  return `${kb} KiB`;
}
const trim = (x: number): string => (x >= 10 ? String(Math.round(x)) : String(Math.round(x * 10) / 10));

const numberOf = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const stringOf = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** x86 page-fault error code bits (arch/x86/include/asm/trap_pf.h). */
function describePageFault(code: number, address: string): string {
  const write = (code & 2) !== 0;
  const fetch = (code & 16) !== 0;
  const present = (code & 1) !== 0;
  const access = fetch ? 'instruction fetch from' : write ? 'write to' : 'read from';
  const what = present ? 'a mapped address it had no permission for' : 'an unmapped address';
  const addr = /^(0x)?0+$/.test(address)
    ? '0x0 (a NULL pointer dereference)'
    : address.startsWith('0x')
      ? address
      : `0x${address}`;
  return `${(code & 4) !== 0 ? 'user-mode ' : 'kernel-mode '}${access} ${what}, ${addr}`;
}

const TRAP_MEANING: Readonly<Record<string, string>> = {
  'divide error': 'integer division by zero (or overflow)',
  'invalid opcode': 'invalid instruction (often abort via __builtin_trap/ud2, or a binary built for a newer CPU)',
  'general protection': 'general protection fault (bad pointer or non-canonical address)',
  'general protection fault': 'general protection fault (bad pointer or non-canonical address)',
  int3: 'breakpoint instruction with no debugger attached',
};

function oomSentence(d: Death, when: string): string {
  const x = d.details;
  const memcg = stringOf(x.memcg);
  const limit = numberOf(x.limitKb);
  const usage = numberOf(x.usageKb);
  const rss = numberOf(x.rssKb);
  let where: string;
  if (memcg !== null) {
    const lim =
      limit !== null ? ` (limit ${formatKb(limit)}${usage !== null ? `, usage ${formatKb(usage)}` : ''})` : '';
    where = ` in memory cgroup ${memcg}${lim}`;
  } else if (x.scope === 'memcg') {
    where = ' because its memory cgroup reached its limit';
  } else if (x.scope === 'system') {
    where =
      x.constraint === 'CONSTRAINT_CPUSET' || x.constraint === 'CONSTRAINT_MEMORY_POLICY'
        ? ` because the memory its ${x.constraint === 'CONSTRAINT_CPUSET' ? 'cpuset' : 'memory policy'} allows ran out`
        : ' because the machine ran out of memory';
  } else {
    where = ' (the log does not say whether a memory cgroup limit or the whole machine ran out)';
  }
  const using = rss !== null ? `; it was using ${formatKb(rss)}` : '';
  const trig = stringOf(x.triggeredBy);
  const trigger = trig !== null && trig !== d.comm ? ` (the allocation that ran out was by ${trig})` : '';
  return `was killed by the kernel OOM killer ${when}${where}${using}${trigger}`;
}

/** "crashed with ..." details: the fault in the kernel's words, where, and in which library. */
function faultWords(d: Death): string {
  const x = d.details;
  const lib = stringOf(x.library);
  const inLib = lib !== null ? ` in ${lib}` : '';
  const code = numberOf(x.errorCode);
  // Before 4.15 show_signal_msg printed ip/sp with %p, which prints a NULL pointer as `(null)`
  // (lib/vsprintf.c): said as 0x0, never as that word.
  const rawIp = stringOf(x.ip);
  const ip = rawIp === '(null)' ? '0x0' : rawIp;
  if (code !== null && d.kind === 'segfault')
    return `: ${describePageFault(code, String(x.address ?? '0'))}${ip !== null ? `, ip ${ip}` : ''}${inLib}`;
  const fault = stringOf(x.fault);
  const addr = stringOf(x.address);
  const at = addr !== null ? ` at ${addr.startsWith('0x') ? addr : `0x${addr}`}` : '';
  if (fault !== null) return `: ${fault}${at}${inLib}`;
  return `${ip !== null ? `, ip ${ip}` : ''}${inLib}`;
}

/**
 * Taint letters that point at who to ask about an oops (kernel/panic.c taint_flags, Documentation/
 * admin-guide/tainted-kernels.rst); the rest (G, D, W, ...) say nothing about the code that faulted.
 */
const TAINT_MEANING: Readonly<Record<string, string>> = {
  P: 'a proprietary module is loaded',
  O: 'an out-of-tree module is loaded',
  E: 'an unsigned module is loaded',
  C: 'a staging driver is loaded',
  F: 'a module was force-loaded',
};

/** Where the kernel faulted: "in wdoops_init+0x5/0x1000, module wdoops" (or in the kernel image). */
function oopsWhere(d: Death): string {
  const sym = stringOf(d.details.oopsIn);
  const mod = stringOf(d.details.oopsModule);
  if (sym === null) return '';
  return mod !== null ? ` in ${sym} of module ${mod}` : ` in ${sym}`;
}

/** The taint letters that name a suspect, said in words ("an out-of-tree module is loaded"). */
function taintWords(tainted: string | null): string[] {
  if (tainted === null) return [];
  return [...new Set(tainted.replace(/\s+/g, '').split(''))].flatMap((l) =>
    TAINT_MEANING[l] ? [TAINT_MEANING[l]] : [],
  );
}

/**
 * A task ended by a kernel oops: the kernel faulted while running its system call (or serving its fault),
 * and make_task_dead killed it with the die path's signal. Not the program's own fault.
 */
function oopsSentence(d: Death, when: string): string {
  const x = d.details;
  // Pre-4.15 kernels print a NULL address as `(null)`: said as 0x0, never as that word.
  const hit = (stringOf(x.oopsCause) ?? stringOf(x.oops))?.replace(/\(null\)/g, '0x0').replace(/\s+/g, ' ') ?? null;
  const tainted = stringOf(x.tainted);
  return `was killed by ${d.signal} from the kernel ${when}: the kernel hit a bug (an oops)${oopsWhere(d)} while running a system call for it${hit !== null ? ` (${hit})` : ''}, and killed the task it was running for; this is not a fault in the program itself${tainted !== null ? ` (kernel tainted: ${tainted})` : ''}`;
}

/**
 * A task the memory-failure handler signalled: the RAM under a page it used failed (a machine check), so the
 * kernel sent SIGBUS (BUS_MCEERR_*: a handler may keep it alive) or, the page being impossible to unmap, SIGKILL.
 */
function memoryErrorSentence(d: Death, when: string): string {
  const x = d.details;
  const pfn = stringOf(x.pfn);
  const at = stringOf(x.address);
  const where =
    pfn !== null ? ` (page frame ${pfn})` : at !== null ? ` (at address ${at}, on a page already found bad)` : '';
  const how =
    d.signal === 'SIGKILL'
      ? 'and SIGKILLed it because the bad page could not be taken away from it'
      : x.early === true
        ? 'and warned it early with SIGBUS, which kills it unless it handles the signal'
        : 'and sent it SIGBUS, which kills it unless it handles the signal';
  return `was killed by ${d.signal} from the kernel ${when}: the memory under a page it used failed in hardware${where}; the kernel's memory-failure handler took the page out of use ${how}; this is a hardware fault, not a fault in the program`;
}

/** "was killed by the kernel OOM killer at ...", "crashed with ..." — a predicate: callers prefix "Process N (c)". */
export function describeDeath(d: Death): string {
  const when = whenOf(d);
  const x = d.details;
  switch (d.kind) {
    case 'oom-kill':
      return oomSentence(d, when);
    case 'segfault':
      return `crashed with a segmentation fault (SIGSEGV) ${when}${faultWords(d)}`;
    case 'trap': {
      const trap = stringOf(x.trap);
      if (trap !== null) {
        const ip = stringOf(x.ip);
        const lib = stringOf(x.library);
        return `was killed by ${d.signal} ${when}: ${TRAP_MEANING[trap] ?? trap}${ip !== null ? `, ip ${ip}` : ''}${lib !== null ? ` in ${lib}` : ''}`;
      }
      return `was killed by ${d.signal} ${when}${faultWords(d)}`;
    }
    case 'signal': {
      if (x.reason === 'kernel-oops') return oopsSentence(d, when);
      if (x.reason === 'hardware-memory-error') return memoryErrorSentence(d, when);
      const killer = stringOf(x.killer);
      if (killer === 'earlyoom')
        return `was sent ${d.signal} by earlyoom ${when}: earlyoom, a user-space low-memory killer, ends the process with the highest oom_score when available memory and swap fall below its limits`;
      if (killer === 'systemd-oomd')
        return `was killed with ${d.signal} by systemd-oomd ${when}: systemd-oomd kills every process of a cgroup when its memory pressure or swap use stays past the configured limit`;
      if (killer !== null) return `was killed with SIGKILL by Android's low-memory killer (${killer}) ${when}`;
      if (x.coredump === true)
        return d.signal === UNKNOWN_SIGNAL
          ? `crashed and dumped core ${when} (systemd-coredump's report; the log line does not say which signal)`
          : `was killed by ${d.signal} and dumped core ${when} (systemd-coredump's report)`;
      const job = stringOf(x.upstartJob);
      if (job !== null) return `was killed by ${d.signal} ${when} (upstart's report on its job ${job})`;
      if (stringOf(x.fault) !== null) return `crashed ${when}${faultWords(d)} (${d.signal})`;
      if (x.auditSignal !== undefined)
        return `ended abnormally with ${d.signal} ${when} (audit ANOM_ABEND${stringOf(x.exe) ? `, ${String(x.exe)}` : ''})`;
      return `was killed by ${d.signal} ${when} (the kernel's report of an unexpected fatal signal)`;
    }
  }
}

/** A panic in words: "the kernel panicked (Fatal exception) at ..., after an oops (...)". */
export function describeMachineDeath(m: MachineDeath): string {
  const oops = m.oops !== null ? `, after a kernel oops (${m.oops.replace(/\s+/g, ' ')})` : '';
  return `the kernel panicked (${m.reason === '' ? 'no reason given' : m.reason}) ${whenOf(m)}${oops}: the whole machine stopped, and every process on it with it; no single process's death is claimed for it`;
}

/** What to do about it. */
export function adviceFor(d: Death): string {
  switch (d.kind) {
    case 'oom-kill':
      if (stringOf(d.details.memcg) !== null || d.details.scope === 'memcg')
        return 'Raise the memory cgroup limit (memory.max / memory.limit_in_bytes, MemoryMax= for a unit) or make the process use less memory.';
      if (d.details.scope === 'system')
        return 'The whole machine ran out of memory: add memory or swap, limit the biggest consumers, or protect this process with a lower oom_score_adj.';
      return "Find out which limit ran out (the full OOM report around this line, or the process's memory cgroup): raise that memory cgroup's limit, or add memory or swap to the machine, or make the process use less memory.";
    case 'segfault':
    case 'trap':
      return 'This is a bug in the program (or a library it loaded): enable core dumps (ulimit -c unlimited, or systemd-coredump) and inspect the core with gdb.';
    case 'signal':
      if (d.details.reason === 'hardware-memory-error')
        return 'The RAM is failing, not the program: read the machine-check record (rasdaemon: ras-mc-ctl --errors; or the "mce: [Hardware Error]" lines around this one) for the DIMM, watch HardwareCorrupted in /proc/meminfo, and have the module replaced. The bad page is already out of use, so restarting the program is safe; a recurrence means more failing memory.';
      if (d.details.reason === 'kernel-oops' && stringOf(d.details.oopsModule) !== null) {
        const mod = String(d.details.oopsModule);
        const taint = taintWords(stringOf(d.details.tainted));
        return `This is a bug in the kernel module ${mod} (the kernel faulted in its code${taint.length > 0 ? `; ${taint.join(', ')}` : ''}), not in the program: update or remove ${mod} (modinfo ${mod} names its package and version), and if it still happens report the whole oops (from the BUG/Oops line to the end trace) to its maintainers. Until the machine is rebooted the kernel may be unstable (it is tainted "D").`;
      }
      if (d.details.reason === 'kernel-oops')
        return `This is a bug in the kernel${stringOf(d.details.kernelRelease) !== null ? ` ${String(d.details.kernelRelease)}` : ''} (or one of its modules), not in the program: update the kernel (and out-of-tree modules such as GPU, ZFS or VPN drivers named in the report), and if it still happens report the whole oops (from the BUG/Oops line to the end trace) upstream or to the distribution. Until the machine is rebooted the kernel may be unstable (it is tainted "D").`;
      if (d.details.killer === 'earlyoom')
        return 'earlyoom ends the biggest process when available memory runs low: add memory or swap, make the process use less memory, or keep earlyoom off it (its --avoid option, or a lower oom_score_adj).';
      if (d.details.killer === 'systemd-oomd')
        return 'systemd-oomd killed its whole cgroup under memory pressure: reduce the memory use in that cgroup, or raise ManagedOOMMemoryPressureLimit= (or set ManagedOOMMemoryPressure=auto) on the slice that oomd watches.';
      if (stringOf(d.details.killer) !== null)
        return "Android's low-memory killer ends background processes when memory runs low: keep the app in the foreground or reduce its memory use.";
      if (d.details.coredump === true)
        return `Its core dump was kept by systemd-coredump: coredumpctl info ${d.pid} shows the signal and the stack, coredumpctl debug ${d.pid} opens it in gdb.`;
      return 'Enable core dumps to see where it crashed.';
  }
}
