/**
 * What a catchable signal does depends on its disposition (SigIgn/SigCgt in /proc/PID/status, the signals
 * section): the default action ends the process, an ignored signal is discarded when it is sent
 * (kernel/signal.c prepare_signal -> sig_ignored), and a caught one runs the program's own handler, which
 * decides. SIGKILL alone can be neither (kernel/signal.c do_sigaction refuses sig_kernel_only signals).
 * The killers that end with SIGKILL (a container runtime, systemd's stop, a CI runner's cleanup) are
 * reached whatever the disposition: the rules for those only say so, so no one reads nohup or a SIGTERM
 * trap as protection.
 */
import type { RiskEvidence } from './types';

/** A SIGTERM the process ignores or catches: the words for a killer that ends with SIGKILL anyway. */
export function termThenKillNote(e: RiskEvidence, killer: string): string {
  const term = e.signals?.term;
  if (term === 'ignored') return `; SIGTERM is ignored (SigIgn), but ${killer} ends with SIGKILL, which cannot be`;
  if (term === 'caught')
    return `; it catches SIGTERM (SigCgt), so its own handler decides how it ends, but ${killer} ends with SIGKILL, which cannot be caught`;
  return e.signals?.hup === 'ignored' ? '; ignoring SIGHUP (nohup) does not protect against SIGTERM or SIGKILL' : '';
}
