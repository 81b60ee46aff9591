/**
 * Kernel oopses: the kernel itself faulted (a NULL dereference, a bad page, `BUG()`, a general protection
 * fault) while running for a task. With panic_on_oops off and outside an interrupt, the arch's die path
 * ends with make_task_dead(sig) -> do_exit(sig) (kernel/exit.c, 5.17+; plain do_exit before), so the task
 * whose system call hit the bug dies with that signal. The task is named by the report's show_regs line
 * (`CPU: N PID: P Comm: c`, before 3.10 `Pid: P, comm: c`, arm's `Process c (pid: P, stack limit ...)`).
 * A report that ends in `Kernel panic - not syncing` took the whole machine down instead.
 *
 * Which signal, from the source (torvalds/linux):
 * - x86 page faults in kernel mode: arch/x86/mm/fault.c no_context (2.6.2x-5.x) / page_fault_oops (5.13+)
 *   call `__die("Oops", ...)` and oops_end(..., SIGKILL): the task dies of SIGKILL.
 * - x86 die() (general protection fault, invalid opcode from BUG(), divide error, ...): arch/x86/kernel/
 *   dumpstack.c die(), SIGSEGV. Header `"%s: %04lx [#%d]%s%s%s%s%s"` (3.x-6.8), `"Oops: %s: %04lx [#%d]..."`
 *   since 6.9 (so a page fault prints `Oops: Oops: 0000 [#1]`).
 * - arm64 / arm die(): arch/arm64/kernel/traps.c and arch/arm/kernel/traps.c, `"Internal error: %s: %x [#%d]"`
 *   (arm64 `%016lx` since 5.x), then make_task_dead(SIGSEGV).
 * - powerpc: arch/powerpc/kernel/traps.c __die `"Oops: %s, sig: %ld [#%d]"`, the signal printed.
 * - s390: arch/s390/kernel/dumpstack.c die `"%s: %04x ilc:%d [#%d] "`, make_task_dead(SIGSEGV).
 * - riscv: arch/riscv/kernel/traps.c die `"%s [#%d]"`; mips: arch/mips/kernel/traps.c die `"%s[#%d]:"`;
 *   both make_task_dead(SIGSEGV).
 * Pure, never throws (the caller guards). Header text is kernel-chosen, but bounded anyway.
 */
import { signalName } from '../signals';
import type { KernelEvent } from './types';

const PPC_DIE = /^Oops: ([\s\S]{1,120}?), sig: (\d+) \[#(\d+)\]/;
// arm's do_DataAbort dies through arm_notify_die("", ...): the string is empty (`Internal error: : 1b [#3] ARM`).
const ARM_DIE = /^Internal error: ([\s\S]{0,120}?): ([0-9a-fA-F]{1,16}) \[#(\d+)\]/;
const S390_DIE = /^([\s\S]{1,120}?): ([0-9a-fA-F]{4}) ilc:\d \[#(\d+)\]/;
const X86_DIE = /^(?:Oops: )?([\s\S]{1,200}?): ([0-9a-fA-F]{4}) \[#(\d+)\]/;
const MIPS_DIE = /^([A-Za-z][\s\S]{0,80}?)\[#(\d+)\]:\s*$/;
const RISCV_DIE = /^([A-Za-z][\s\S]{0,80}?) \[#(\d+)\]\s*$/;

/**
 * The line before the header that says what the kernel hit: x86 show_fault_oops (`BUG: kernel NULL pointer
 * dereference, address: ...` 5.1+, `BUG: unable to handle kernel NULL pointer dereference at ...` before),
 * lib/bug.c report_bug (`kernel BUG at mm/x.c:123!`), arm64 die_kernel_fault / arm __do_kernel_fault
 * (`Unable to handle kernel NULL pointer dereference at virtual address ...`), powerpc (`BUG: Kernel NULL
 * pointer dereference on read at 0x...`), s390 (`Unable to handle kernel pointer dereference in virtual
 * kernel address space`).
 */
const OOPS_CAUSE =
  /^(?:BUG: (?:kernel NULL pointer|unable to handle|Unable to handle|Kernel NULL pointer)|kernel BUG at |Unable to handle kernel )/;
/** arch/arm/kernel/traps.c __die: `"Process %.*s (pid: %d, stack limit = 0x%p)"` (also arm64 before 4.18). */
const ARM_PROCESS = /^Process ([\s\S]{1,64}?) \(pid: (\d+), stack limit = /;
/**
 * The faulting kernel address as a symbol: x86 show_ip `"%sRIP: %04x:%pS"` with the kernel's code segment
 * (0010; user mode's 0033 is the program, not the bug), arm64 __show_regs `"pc : %pS"`. %pS prints
 * `func+0xoff/0xsize [module]` for a module's code (lib/vsprintf.c, kernel/kallsyms.c); 32-bit arm's
 * __show_regs (arch/arm/kernel/process.c) `"PC is at %pS"` (arm64's too before 4.x).
 */
const WHERE =
  /^(?:RIP: 0010:|pc : |PC is at )([A-Za-z_.$][\w.$]{0,127}\+0x[0-9a-f]+\/0x[0-9a-f]+)(?: \[([\w-]{1,64})\])?/;
/** kernel/panic.c panic: `"Kernel panic - not syncing: %s"`. */
const PANIC = /^Kernel panic - not syncing: ?([\s\S]{0,200})/;

/** At most this many characters of a kernel line are kept in evidence. */
const KEEP = 200;
const bounded = (s: string): string => (s.length > KEEP ? `${s.slice(0, KEEP)}…` : s).trim();

function header(message: string): KernelEvent | null {
  let m: RegExpExecArray | null;
  const text = bounded(message);
  if ((m = PPC_DIE.exec(message)))
    return {
      type: 'oops-header',
      what: m[1],
      signal: signalName(parseInt(m[2], 10)),
      dieCount: +m[3],
      arch: 'powerpc',
      header: text,
    };
  if ((m = ARM_DIE.exec(message)))
    return { type: 'oops-header', what: m[1], signal: 'SIGSEGV', dieCount: +m[3], arch: 'arm', header: text };
  if ((m = S390_DIE.exec(message)))
    return { type: 'oops-header', what: m[1], signal: 'SIGSEGV', dieCount: +m[3], arch: 's390', header: text };
  if ((m = X86_DIE.exec(message))) {
    // Only page_fault_oops/no_context pass "Oops" to __die, and they kill with SIGKILL; die() uses SIGSEGV.
    return {
      type: 'oops-header',
      what: m[1],
      signal: m[1] === 'Oops' ? 'SIGKILL' : 'SIGSEGV',
      dieCount: +m[3],
      arch: 'x86',
      header: text,
    };
  }
  if ((m = MIPS_DIE.exec(message)))
    return { type: 'oops-header', what: m[1], signal: 'SIGSEGV', dieCount: +m[2], arch: 'mips', header: text };
  if ((m = RISCV_DIE.exec(message)))
    return { type: 'oops-header', what: m[1], signal: 'SIGSEGV', dieCount: +m[2], arch: 'riscv', header: text };
  return null;
}

/** The oops-family event a kernel message reports, or null. */
export function parseOops(message: string): KernelEvent | null {
  let m: RegExpExecArray | null;
  if (message.indexOf('[#') !== -1) {
    const h = header(message);
    if (h) return h;
  }
  if (OOPS_CAUSE.test(message)) return { type: 'oops-cause', text: bounded(message) };
  if (
    (message.startsWith('RIP: 0010:') || message.startsWith('pc : ') || message.startsWith('PC is at ')) &&
    (m = WHERE.exec(message))
  )
    return { type: 'oops-where', symbol: m[1], module: m[2] ?? null };
  if (message.startsWith('Process ') && (m = ARM_PROCESS.exec(message)))
    return { type: 'stack-task', pid: parseInt(m[2], 10), comm: m[1], tainted: null, release: null, dieTask: true };
  if (message.startsWith('Kernel panic') && (m = PANIC.exec(message)))
    return { type: 'kernel-panic', reason: bounded(m[1]) };
  return null;
}

/**
 * The taint flags and release of a show_regs/dump_stack task line's tail (`Tainted: G  D  O  5.4.0 #1`,
 * `Not tainted 6.1.0-13-amd64 #1`, RHEL 6's `Tainted: G W --------------- 2.6.32-431.el6.x86_64 #1`).
 */
export function taintOf(tail: string): { tainted: string | null; release: string | null } {
  const rel = /(?:^|\s)(\d+\.\d+[\w.+~-]*)/.exec(tail);
  const release = rel ? rel[1] : null;
  const t = /Tainted: ([\s\S]*)/.exec(tail);
  if (!t) return { tainted: null, release };
  const flags = (rel ? t[1].slice(0, Math.max(0, t[1].indexOf(rel[1]))) : t[1])
    .replace(/[^A-Z ]/g, '')
    .trim()
    .replace(/\s+/g, ' ');
  return { tainted: flags === '' ? null : flags, release };
}
