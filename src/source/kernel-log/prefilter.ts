/**
 * The cheap part of parsing: keywords that every interesting record contains. A log is mostly
 * noise (driver chatter, call traces), so we find these with indexOf over the whole text (a fast
 * byte search) and run regexes only on the few lines that contain one.
 */
const KERNEL_KEYWORDS: readonly string[] = [
  'oom', // invoked oom-killer (header), oom-kill: (4.19+ summary), oom_reaper
  'Kill', // Kill process (< 5.1 select), Killed process (every killed line)
  'segfault', // c[N]: segfault at
  '] trap ', // traps: c[N] trap divide error ...
  '] general protection', // general protection (fault)
  '=1701', // audit type=1701 (ANOM_ABEND, numeric)
  'ANOM_ABEND', // audit ANOM_ABEND (named)
  'blocked for more than', // hung task
  'callbacks suppressed', // a rate limit dropped crash lines (kernel-log/suppressed.ts)
  'unhandled', // arm64/arm/powerpc/riscv user faults (parse-faults.ts)
  ' nip ', // powerpc show_signal_msg since 4.20 ("segfault (11) at ... nip")
  'undefined instruction: pc=', // arm do_undefinstr
  'User process fault', // s390
  'fatal signal', // print_fatal_signal
  "Kill '", // Android lowmemorykiller / lmkd
  "Killing '",
  'sending SIG', // mips do_page_fault (counted as not understood: it names no pid)
  '[#', // a kernel oops's die header (`Oops: 0000 [#1] SMP`, `Internal error: Oops: ... [#1]`; parse-oops.ts)
  'BUG: ', // what the oops hit (`BUG: kernel NULL pointer dereference, ...`)
  'kernel BUG at',
  'Unable to handle kernel',
  'Kernel panic - not syncing', // the machine died
  'hardware memory corruption', // a machine check's victim (parse-memory-failure.ts)
  'corrupted page', // the same, SIGKILLed when the page could not be unmapped
  'stack limit = ', // arm/arm64 __die's task line, alone when only the emergency lines were kept (parse-oops.ts)
  // User-space programs' lines about a death (parse-userspace.ts):
  'dumped core', // systemd-coredump
  'terminated abnormally', // systemd-coredump, no core written
  'killing process', // earlyoom v1.2 ("sending SIG" above covers v1.3+)
  'did not exit', // earlyoom: its signal did not end the process
  'oomd attempting to kill', // systemd-oomd (debug level)
  ') killed by ', // upstart: "JOB main process (PID) killed by SEGV signal"
];

/**
 * Fault lines that do not print the pid (arm, s390, print_fatal_signal since 3.8): show_regs' task line
 * (`CPU: 0 PID: 68 Comm: modprobe`, or 3.x arm's `Pid: 14711, comm: c`) follows within a few lines.
 */
const FAULT_HEADER_KEYS: readonly string[] = ['fatal signal', 'unhandled page fault', 'User process fault'];
const FAULT_WINDOW_KEYWORDS: readonly string[] = ['Comm: ', 'Pid: '];
const FAULT_WINDOW = 4096;

/**
 * Oops headers (`[#N]`), their task line (x86/arm64 `CPU: N PID: P Comm:`, old `Pid: P, comm:`, arm `(pid: P,
 * stack limit`) and where the kernel faulted (x86 `RIP: 0010:`, arm64 `pc : `).
 */
const OOPS_HEADER_KEY = '[#';
const OOPS_WINDOW_KEYWORDS: readonly string[] = ['Comm: ', 'Pid: ', '(pid: ', 'RIP: 0010:', 'pc : ', 'PC is at '];
const OOPS_WINDOW = 8192;

/**
 * Lines that matter only inside an OOM incident, between its header and the task table
 * (dump_stack's `CPU: .. PID: N Comm: c`, memcg `Task in` and `memory: usage`). Searched only in a
 * window after each header, so they cost nothing on the rest of the log.
 */
const OOM_WINDOW_KEYWORDS: readonly string[] = ['Comm: ', 'Pid: ', 'Task in ', 'memory: usage'];
const OOM_HEADER_KEY = 'invoked oom-killer';
/** dump_header prints the task table after the memcg lines; stop there (or after this many bytes). */
const OOM_WINDOW_END = ['Tasks state', '[  pid  ]', '[ pid ]', 'Killed process'];
const OOM_WINDOW_MAX = 64 * 1024;

/** A real incident reaches its task table within a few KiB: look there first, then in the whole window. */
const OOM_WINDOW_FIRST = 8 * 1024;

function windowEnd(text: string, from: number): number {
  for (const size of [OOM_WINDOW_FIRST, OOM_WINDOW_MAX]) {
    // Search a bounded slice: an unbounded indexOf would rescan the rest of a huge log per header.
    const window = text.slice(from, Math.min(text.length, from + size));
    let end = -1;
    for (const k of OOM_WINDOW_END) {
      const at = window.indexOf(k);
      if (at !== -1 && (end === -1 || at < end)) end = at;
    }
    if (end !== -1) return from + end;
    if (from + size >= text.length) return from + window.length;
  }
  return Math.min(text.length, from + OOM_WINDOW_MAX);
}

/** Hits of `key` in text[from, to), as line starts. */
function hitsIn(text: string, key: string, from: number, to: number, out: number[]): void {
  const whole = from === 0 && to === text.length;
  const hay = whole ? text : text.slice(from, to);
  let at = hay.indexOf(key);
  while (at !== -1) {
    const abs = from + at;
    out.push(text.lastIndexOf('\n', abs) + 1);
    const lineEnd = hay.indexOf('\n', at);
    if (lineEnd === -1) break;
    at = hay.indexOf(key, lineEnd + 1);
  }
}

/**
 * Start offsets of the lines of `text` that contain a keyword, ascending and unique.
 * One indexOf pass per keyword; no per-line work for lines without one.
 */
export function candidateLineStarts(text: string, keywords: readonly string[] = KERNEL_KEYWORDS): number[] {
  const starts: number[] = [];
  for (const k of keywords) hitsIn(text, k, 0, text.length, starts);
  // OOM incident windows: from each header to the task table.
  let h = text.indexOf(OOM_HEADER_KEY);
  while (h !== -1) {
    const end = windowEnd(text, h);
    for (const k of OOM_WINDOW_KEYWORDS) hitsIn(text, k, h, end, starts);
    h = text.indexOf(OOM_HEADER_KEY, Math.max(end, h + 1));
  }
  for (const k of FAULT_HEADER_KEYS) {
    let f = text.indexOf(k);
    while (f !== -1) {
      const end = Math.min(text.length, f + FAULT_WINDOW);
      for (const w of FAULT_WINDOW_KEYWORDS) {
        const at = text.slice(f, end).indexOf(w);
        if (at !== -1) starts.push(text.lastIndexOf('\n', f + at) + 1);
      }
      f = text.indexOf(k, f + k.length);
    }
  }
  // A die header's task line follows the register dump and module list: a wider window, first hit only.
  let o = text.indexOf(OOPS_HEADER_KEY);
  while (o !== -1) {
    const window = text.slice(o, Math.min(text.length, o + OOPS_WINDOW));
    for (const w of OOPS_WINDOW_KEYWORDS) {
      const at = window.indexOf(w);
      if (at !== -1) starts.push(text.lastIndexOf('\n', o + at) + 1);
    }
    o = text.indexOf(OOPS_HEADER_KEY, o + OOPS_HEADER_KEY.length);
  }
  starts.sort((a, b) => a - b);
  const out: number[] = [];
  for (const s of starts) if (out.length === 0 || out[out.length - 1] !== s) out.push(s);
  return out;
}
