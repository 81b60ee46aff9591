/**
 * Sentences a person can act on, built from a Death. Pure; comm and paths are passed through as
 * data (renderers escape control characters).
 */
import type { Death } from './types';

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local wall-clock time `YYYY-MM-DD HH:MM:SS`. */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'an unknown time';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
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
  } else if (x.constraint === 'CONSTRAINT_MEMCG') {
    where = ' because its memory cgroup reached its limit';
  } else if (x.constraint === 'CONSTRAINT_NONE' || x.constraint === undefined) {
    where = ' because the machine ran out of memory';
  } else {
    where = ` (${String(x.constraint)})`;
  }
  const using = rss !== null ? `; it was using ${formatKb(rss)}` : '';
  const trig = stringOf(x.triggeredBy);
  const trigger = trig !== null && trig !== d.comm ? ` (the allocation that ran out was by ${trig})` : '';
  return `was killed by the kernel OOM killer at ${when}${where}${using}${trigger}`;
}

/** "was killed by the kernel OOM killer at ...", "crashed with ..." — a predicate: callers prefix "Process N (c)". */
export function describeDeath(d: Death): string {
  const when = formatTime(d.timeMs);
  const x = d.details;
  const lib = stringOf(x.library);
  const inLib = lib !== null ? ` in ${lib}` : '';
  switch (d.kind) {
    case 'oom-kill':
      return oomSentence(d, when);
    case 'segfault': {
      const code = numberOf(x.errorCode);
      const fault = code !== null ? `: ${describePageFault(code, String(x.address ?? '?'))}` : '';
      return `crashed with a segmentation fault (SIGSEGV) at ${when}${fault}, ip ${String(x.ip ?? '?')}${inLib}`;
    }
    case 'trap': {
      const trap = String(x.trap ?? 'trap');
      return `was killed by ${d.signal} at ${when}: ${TRAP_MEANING[trap] ?? trap}, ip ${String(x.ip ?? '?')}${inLib}`;
    }
    case 'signal':
      return `ended abnormally with ${d.signal} at ${when} (audit ANOM_ABEND${stringOf(x.exe) ? `, ${String(x.exe)}` : ''})`;
  }
}

/** What to do about it. */
export function adviceFor(d: Death): string {
  switch (d.kind) {
    case 'oom-kill':
      return stringOf(d.details.memcg) !== null || d.details.constraint === 'CONSTRAINT_MEMCG'
        ? 'Raise the memory cgroup limit (memory.max / memory.limit_in_bytes, MemoryMax= for a unit) or make the process use less memory.'
        : 'The whole machine ran out of memory: add memory or swap, limit the biggest consumers, or protect this process with a lower oom_score_adj.';
    case 'segfault':
    case 'trap':
      return 'This is a bug in the program (or a library it loaded): enable core dumps (ulimit -c unlimited, or systemd-coredump) and inspect the core with gdb.';
    case 'signal':
      return 'Enable core dumps to see where it crashed.';
  }
}
