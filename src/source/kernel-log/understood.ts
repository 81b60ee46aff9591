/**
 * Lines the reader could not understand, so a report can say so instead of dropping them: a record whose
 * stamp could not be read, or whose message has the words of a death or hang report (the phrases the
 * parsers read, below) but no parser read it (an unknown kernel's wording, a line cut by the saver).
 * Lines that only mention such words in passing (stack frames like `oom_kill_process+0x24e/0x3b0`, the OOM
 * task table, `Memory cgroup stats`) are not reports and are not counted. Pure.
 */
import { parseKernelMessage } from './parse';
import type { KernelRecord } from './types';

/** Phrases only the death and hang reports print (mm/oom_kill.c, fault handlers, signal.c, hung_task.c, audit). */
const REPORT_PHRASES: readonly RegExp[] = [
  /\binvoked oom-killer\b/,
  /^oom-kill:/,
  /\bKilled process \d/,
  /: [Kk]ill process \d/,
  /\]: segfault\b/,
  /\] trap /,
  /\] general protection\b/,
  /\]: unhandled /,
  /^User process fault:/,
  /potentially unexpected fatal signal/,
  /\bANOM_ABEND\b|type=1701\b/,
  /^INFO: task .* blocked for more than/,
  /^(?:lowmemorykiller: )?(?:Kill|Killing) '/,
  /due to hardware memory corruption|because of failure to unmap corrupted page/,
  // arch/mips/mm/fault.c: "do_page_fault(): sending SIGSEGV to %s for invalid %s %0*lx" names no pid: read
  // by no parser (a death without a pid cannot be tied to a process), so always counted here.
  /^do_page_fault\(\): sending SIG/,
];

/** The message has the words of a death or hang report (whether or not a parser can read it). */
export const looksLikeReport = (message: string): boolean => REPORT_PHRASES.some((re) => re.test(message));

export interface NotUnderstood {
  count: number;
  /** The first few such messages (hostile text: escape before printing). */
  examples: string[];
}

export function notUnderstood(records: readonly KernelRecord[], keep = 3): NotUnderstood {
  const out: NotUnderstood = { count: 0, examples: [] };
  for (const r of records) {
    // A user-space program's tagged line is its own text, not a kernel report the reader failed.
    const bad =
      r.unreadableStamp === true ||
      (r.source === undefined && looksLikeReport(r.message) && parseKernelMessage(r.message) === null);
    if (!bad) continue;
    out.count++;
    if (out.examples.length < keep) out.examples.push(r.message.slice(0, 200));
  }
  return out;
}
