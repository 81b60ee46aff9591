/**
 * Fatal user-space faults as the other architectures print them, and the kernel's generic fatal-signal
 * report. Each regex cites the kernel source and versions whose format it reads; x86's `segfault at` and
 * `traps:` lines are in parse.ts. Comm is hostile: taken lazily and bounded, then the fixed structure is
 * demanded. Pure, never throws (the caller guards).
 */
import { signalName } from '../signals';
import type { KernelEvent } from './types';

const C = '([\\s\\S]{0,64}?)';

/**
 * arch/arm64/mm/fault.c do_bad_area -> __do_user_fault, 3.7 to 4.x:
 * `pr_info("%s[%d]: unhandled %s (%d) at 0x%08lx, esr 0x%03x\n", comm, pid, inf->name, sig, addr, esr)`
 * (`unhandled level 2 translation fault (11) at 0x00000028, esr 0x92000006`).
 */
const ARM64_OLD = new RegExp(
  `^${C}\\[(\\d+)\\]: unhandled ([a-z0-9 ()/-]{3,60}?) \\((\\d+)\\) at 0x([0-9a-fA-F]+), esr 0x([0-9a-fA-F]+)`,
);
/**
 * arch/arm64/kernel/traps.c arm64_show_signal, 5.0+: `"%s[%d]: unhandled exception: "` then
 * `"%s, ESR 0x%016lx, "` (esr_get_class_string) when known, the description (a fault name from
 * fault.c's table, or force_signal_inject's "undefined instruction" / "illegal memory access"), and
 * ` in lib[...]`. The signal is not printed: it follows from the description (table below).
 */
const ARM64_NEW = new RegExp(
  `^${C}\\[(\\d+)\\]: unhandled exception: (?:([^,]{1,60}), ESR 0x[0-9a-fA-F]+, )?([\\s\\S]{1,80}?)(?: in ([\\s\\S]*?))?\\s*$`,
);
/** Which signal arm64 sends for a description (fault.c fault_info[] and traps.c force_signal_inject). */
const ARM64_DESCRIPTION_SIGNALS: ReadonlyArray<[RegExp, string]> = [
  // fault.c do_alignment_fault / do_sea; traps.c do_sp_pc_abort ("SP/PC alignment exception", SIGBUS).
  [/alignment fault|alignment exception|synchronous external abort|parity|ECC/i, 'SIGBUS'],
  [
    // MTE (5.10+): fault.c do_tag_check_fault "synchronous tag check fault" and mte.c's asynchronous one,
    // both SIGSEGV (SEGV_MTESERR / SEGV_MTEAERR).
    /translation fault|permission fault|access flag fault|address size fault|illegal memory access|memory tag|tag check fault/i,
    'SIGSEGV',
  ],
  // traps.c: force_signal_inject "undefined instruction", arm64_notify_die "Oops - bad compat syscall(2)",
  // "Oops - BTI", "Oops - FPAC", bad_el0_sync "Oops - bad mode": all SIGILL.
  [/undefined instruction|illegal|BTI|bad mode|bad compat syscall|FPAC/i, 'SIGILL'],
];
/**
 * arch/arm/mm/fault.c __do_user_fault (CONFIG_DEBUG_USER), 2.6 to 6.x:
 * `"%s: unhandled page fault (%d) at 0x%08lx, code 0x%03x\n", comm, sig, addr, fsr` (no pid: show_regs
 * names the task on the next lines).
 */
const ARM_PAGE_FAULT = new RegExp(
  `^${C}: unhandled page fault \\((\\d+)\\) at 0x([0-9a-fA-F]+), code 0x([0-9a-fA-F]+)`,
);
/** arch/arm/kernel/traps.c do_undefinstr (CONFIG_DEBUG_USER): `"%s (%d): undefined instruction: pc=%p\n"`. */
const ARM_UNDEF = new RegExp(`^${C} \\((\\d+)\\): undefined instruction: pc=`);
/**
 * arch/powerpc/kernel/traps.c show_signal_msg, 4.20+: `"%s[%d]: %s (%d) at %lx nip %lx lr %lx code %x"`
 * with signame() ("segfault", "illegal instruction", "bus error", ...), then ` in lib[...]`.
 */
const PPC_NEW = new RegExp(
  `^${C}\\[(\\d+)\\]: ([a-z][a-z ]{2,30}) \\((\\d+)\\) at ([0-9a-fA-F]+) nip ([0-9a-fA-F]+) lr ([0-9a-fA-F]+) code ([0-9a-fA-F]+)(?: in ([\\s\\S]*?))?\\s*$`,
);
/**
 * "unhandled signal N": powerpc show_signal_msg before 4.20 (`"%s[%d]: unhandled signal %d at %lx nip %lx
 * lr %lx code %x"`) and riscv do_trap, 3.14 (riscv-linux) to 6.x (`"%s[%d]: unhandled signal %d code 0x%x
 * at 0x%lx"`, then ` in lib[...]`).
 */
const UNHANDLED_SIGNAL = new RegExp(
  `^${C}\\[(\\d+)\\]: unhandled signal (\\d+) (?:code 0x[0-9a-fA-F]+ )?at (?:0x)?([0-9a-fA-F]+)(?:[\\s\\S]*? in ([^\\s\\[]+)\\[)?`,
);
/**
 * arch/s390/mm/fault.c report_user_fault, 2.6 to 6.x: `"User process fault: interruption code %04x ilc:%d "`
 * then ` in lib[...]` (no pid: show_regs names the task next). The signal follows from the interruption code.
 */
const S390_FAULT = /^User process fault: interruption code ([0-9a-fA-F]{4}) ilc:(\d)/;
const S390_CODE_SIGNALS: Readonly<Record<number, string>> = {
  0x01: 'SIGILL',
  0x02: 'SIGILL',
  0x03: 'SIGILL',
  0x04: 'SIGSEGV',
  0x05: 'SIGILL',
  0x06: 'SIGILL',
  0x07: 'SIGFPE',
  0x08: 'SIGFPE',
  0x09: 'SIGFPE',
  0x0a: 'SIGFPE',
  0x0b: 'SIGFPE',
  0x10: 'SIGSEGV',
  0x11: 'SIGSEGV',
  0x38: 'SIGSEGV',
  0x39: 'SIGSEGV',
  0x3a: 'SIGSEGV',
  0x3b: 'SIGSEGV',
};
/**
 * kernel/signal.c print_fatal_signal (print-fatal-signals=1, or arch debug options): before 3.8
 * `"%s/%d: potentially unexpected fatal signal %d.\n"`; since then `"potentially unexpected fatal signal
 * %d.\n"` followed by show_regs (whose `CPU: N PID: P Comm: c` line names the task).
 */
const FATAL_SIGNAL = new RegExp(`^(?:${C}\\/(\\d+): )?potentially unexpected fatal signal (\\d+)\\.`);
/**
 * The task line of show_regs/dump_stack before 3.10: arm `"Pid: %d, comm: %20s\n"`, x86 2.6.32
 * `"Pid: %d, comm: %.20s %s %s %.*s\n"` (then Tainted/Not tainted and the release).
 */
const OLD_SHOW_REGS = /^Pid: (\d+), comm: +([\s\S]{1,20}?)(?: +(?:Not tainted|Tainted:)[\s\S]*)?\s*$/;
/**
 * Android's low-memory killers: the staging driver drivers/staging/android/lowmemorykiller.c (3.x-4.x,
 * `"Killing '%s' (%d), adj %hd,\n"`) and the lmkd daemon that replaced it (`"Kill '%s' (%d), uid %d,
 * oom_score_adj %d to free %ldkB"`). Both send SIGKILL. In the kernel log the driver's lines carry its
 * module name (`lowmemorykiller: Killing '...'`, pr_fmt KBUILD_MODNAME); logcat splits it off as the tag.
 */
const LMK =
  /^(?:lowmemorykiller: )?(?:Killing|Kill) '([\s\S]{1,128}?)' \((\d+)\), (?:adj (-?\d+)|uid (\d+), oom_score_adj (-?\d+))/;

const int = (s: string): number => parseInt(s, 10);
const lib = (s: string | undefined): string | null => {
  if (s === undefined) return null;
  const t = s.replace(/\[[^\]]*\]\s*$/, '').trim();
  return t === '' ? null : t;
};

function arm64Signal(description: string): string | null {
  for (const [re, sig] of ARM64_DESCRIPTION_SIGNALS) if (re.test(description)) return sig;
  return null;
}

/** The event one of these lines reports, or null. */
export function parseFault(message: string): KernelEvent | null {
  let m: RegExpExecArray | null;
  if (message.indexOf('unhandled') !== -1) {
    if ((m = ARM64_OLD.exec(message)))
      return {
        type: 'user-fault',
        pid: int(m[2]),
        comm: m[1],
        signal: signalName(int(m[4])),
        what: m[3],
        address: m[5],
        library: null,
        arch: 'arm64',
      };
    if ((m = ARM64_NEW.exec(message)))
      return {
        type: 'user-fault',
        pid: int(m[2]),
        comm: m[1],
        signal: arm64Signal(m[4]),
        what: m[4].trim(),
        address: null,
        library: lib(m[5]),
        arch: 'arm64',
      };
    if ((m = ARM_PAGE_FAULT.exec(message)))
      return {
        type: 'user-fault',
        pid: null,
        comm: m[1],
        signal: signalName(int(m[2])),
        what: 'unhandled page fault',
        address: m[3],
        library: null,
        arch: 'arm',
      };
    if ((m = UNHANDLED_SIGNAL.exec(message)))
      return {
        type: 'user-fault',
        pid: int(m[2]),
        comm: m[1],
        signal: signalName(int(m[3])),
        what: `unhandled signal ${m[3]}`,
        address: m[4],
        library: lib(m[5]),
        arch: message.indexOf(' nip ') !== -1 ? 'powerpc' : 'riscv',
      };
  }
  if (message.indexOf(' nip ') !== -1 && (m = PPC_NEW.exec(message)))
    return {
      type: 'user-fault',
      pid: int(m[2]),
      comm: m[1],
      signal: signalName(int(m[4])),
      what: m[3],
      address: m[5],
      library: lib(m[9]),
      arch: 'powerpc',
    };
  if (message.indexOf('undefined instruction: pc=') !== -1 && (m = ARM_UNDEF.exec(message)))
    return {
      type: 'user-fault',
      pid: int(m[2]),
      comm: m[1],
      signal: 'SIGILL',
      what: 'undefined instruction',
      address: null,
      library: null,
      arch: 'arm',
    };
  if (message.startsWith('User process fault:') && (m = S390_FAULT.exec(message))) {
    const code = parseInt(m[1], 16) & 0x7f;
    const inLib = / in ([^\s[]+)/.exec(message.slice(m[0].length));
    return {
      type: 'user-fault',
      pid: null,
      comm: null,
      signal: S390_CODE_SIGNALS[code] ?? null,
      what: `interruption code ${m[1]}`,
      address: null,
      library: inLib ? inLib[1].replace(/[0-9a-f]+\+[0-9a-f]+!?$/, '') : null,
      arch: 's390',
    };
  }
  if (message.indexOf('potentially unexpected fatal signal') !== -1 && (m = FATAL_SIGNAL.exec(message)))
    return {
      type: 'fatal-signal',
      pid: m[2] === undefined ? null : int(m[2]),
      comm: m[1] ?? null,
      signal: signalName(int(m[3])),
    };
  if (message.startsWith('Pid: ') && (m = OLD_SHOW_REGS.exec(message)))
    return { type: 'stack-task', pid: int(m[1]), comm: m[2] };
  if (message.indexOf("'") !== -1 && (m = LMK.exec(message)))
    return {
      type: 'lmk-kill',
      pid: int(m[2]),
      comm: m[1],
      oomScoreAdj: int(m[3] ?? m[5]),
      by: m[3] !== undefined ? 'lowmemorykiller' : 'lmkd',
    };
  return null;
}
