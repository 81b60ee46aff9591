/**
 * A process killed because the RAM under it failed: the machine-check and memory-failure handlers print the
 * victim and send it SIGBUS (BUS_MCEERR_AR/AO: the program may catch it) or, when the bad page could not be
 * unmapped, SIGKILL. Formats, by kernel generation:
 *   - mm/memory-failure.c kill_proc_ao (2.6.32-3.x): `MCE %#lx: Killing %s:%d early due to hardware memory corruption`
 *   - kill_proc (3.x-5.1): `MCE %#lx: Killing …` then `Memory failure: %#lx: Killing %s:%d due to hardware memory
 *     corruption`; since 5.2 (to make clear a handler may keep it alive): `… Sending SIGBUS to %s:%d due to …`
 *   - kill_procs: `(MCE|Memory failure:) %#lx: forcibly killing %s:%d because of failure to unmap corrupted page`
 *     (SIGKILL, force_sig / do_send_sig_info)
 *   - arch/x86/mm/fault.c do_sigbus (2.6.32-5.x), a touch of a page already poisoned: `MCE: Killing %s:%d due to
 *     hardware memory corruption fault at %lx`
 *   - arch/x86/kernel/cpu/mce/core.c kill_me_maybe (5.10-5.16): `Memory error may not recovered: %#lx: Sending
 *     SIGBUS to %s:%d due to hardware memory corruption`
 * The comm is hostile (up to 15 bytes, any bytes): it is taken lazily and the fixed tail must follow to the end.
 */
import type { KernelEvent } from './types';

const C = '([\\s\\S]{0,64}?)';
const LINE = new RegExp(
  `^(?:Memory failure|MCE|Memory error may not recovered)(?::? (0x[0-9a-f]+))?: (Killing|Sending SIGBUS to|forcibly killing) ${C}:(\\d+) (?:(early )?due to hardware memory corruption(?: fault at ([0-9a-f]+))?|because of failure to unmap corrupted page)\\s*$`,
);

export function parseMemoryFailure(message: string): KernelEvent | null {
  if (!message.includes('memory corruption') && !message.includes('corrupted page')) return null;
  const m = LINE.exec(message);
  if (!m) return null;
  return {
    type: 'memory-failure',
    pid: Number(m[4]),
    comm: m[3],
    signal: m[2] === 'forcibly killing' ? 'SIGKILL' : 'SIGBUS',
    pfn: m[1] ?? null,
    address: m[6] ? `0x${m[6]}` : null,
    early: m[5] !== undefined,
  };
}
