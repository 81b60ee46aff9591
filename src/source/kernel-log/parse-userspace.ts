/**
 * Lines user-space programs write about a death, as they reach a saved log: in a syslog file or `journalctl`
 * text under their own tag (`host earlyoom[1233]: sending SIGTERM ...`), or in the kernel log itself when
 * they log through /dev/kmsg (journald down, early boot, upstart): `systemd-coredump[7888]: Process ...`,
 * `init: rsyslog main process (6549) killed by SEGV signal`. Each format cites the program's source.
 *
 * These are only read from such a line: a kernel parser never sees a tagged program's text, and these
 * regexes never read a kernel line. Names are hostile (a process chooses its comm): taken lazily, bounded,
 * then the fixed structure after them is demanded. Pure, never throws (the caller guards).
 */
import { signalName } from '../signals';
import type { KernelEvent } from './types';

/** The program's own tag when its line went through /dev/kmsg (the tag is then part of the message). */
const OWN_TAG = /^(systemd-coredump|earlyoom|systemd-oomd)\[\d+\]: |^(init): /;

/**
 * systemd src/coredump/coredump.c (v209-v25x): `"Process %s (%s) of user %s dumped core."` and, when no core
 * was written, `"Process %s (%s) of user %s terminated abnormally with signal %s/%s, processing..."`.
 * Since v254 journalctl may show a link glyph in front (`[🡕] Process ...`). The message names no signal
 * when a core was dumped (COREDUMP_SIGNAL is a separate journal field, absent from text).
 */
const COREDUMP =
  /^(?:\[[^\]\s]{1,8}\] )?Process (\d+) \(([\s\S]{0,64}?)\) of user (\d+) (?:dumped core|terminated abnormally(?: with signal (\d+)(?:\/[A-Z0-9]+)?)?)/;
/**
 * earlyoom src/kill.c: v1.3+ `"sending %s to process %d uid %d \"%s\": ..."` (uid since v1.6), v1.2
 * `"killing process %d \"%s\" with signal %d: badness ..."`; then `"process %d did not exit"` when the
 * signal did not end it (the kill failed: no death).
 */
const EARLYOOM_SENDING = /^sending (SIG[A-Z]{2,6}) to process (\d+) (?:uid (\d+) )?"([\s\S]{0,64}?)": /;
const EARLYOOM_KILLING = /^killing process (\d+) "([\s\S]{0,64}?)" with signal (\d+)/;
const EARLYOOM_SURVIVED = /^process (\d+) did not exit\s*$/;
/** systemd src/oom/oomd-util.c oomd_cgroup_kill (v248+, debug level): `"oomd attempting to kill %d with %s"`. */
const OOMD_PID = /^oomd attempting to kill (\d+) with ([A-Z]{2,6})\s*$/;
/**
 * upstart init/job_process.c job_process_terminated: `"%s %s process (%d) killed by %s signal"` (job name,
 * which process of the job, pid, nih_signal_to_name()'s name without SIG).
 */
const UPSTART_KILLED =
  /^([\s\S]{1,100}?) (main|pre-start|post-start|pre-stop|post-stop|security) process \((\d+)\) killed by ([A-Z0-9]{2,10}) signal\s*$/;

const int = (s: string): number => parseInt(s, 10);
const sig = (name: string): string => (name.startsWith('SIG') ? name : `SIG${name}`);

/**
 * The event a user-space program's line reports. `tag`: the syslog/journal tag the line came under, or
 * null for a kernel-log message (then the program's own tag must start it).
 */
export function parseUserspace(message: string, tag: string | null): KernelEvent | null {
  let program = tag;
  let text = message;
  if (program === null) {
    const t = OWN_TAG.exec(message);
    if (!t) return null;
    program = t[1] ?? t[2];
    text = message.slice(t[0].length);
  }
  let m: RegExpExecArray | null;
  switch (program) {
    case 'systemd-coredump':
      if ((m = COREDUMP.exec(text)))
        return {
          type: 'userspace-death',
          by: 'systemd-coredump',
          pid: int(m[1]),
          comm: m[2],
          signal: m[4] === undefined ? null : signalName(int(m[4])),
          job: null,
        };
      return null;
    case 'earlyoom':
      if ((m = EARLYOOM_SENDING.exec(text)))
        return { type: 'userspace-death', by: 'earlyoom', pid: int(m[2]), comm: m[4], signal: m[1], job: null };
      if ((m = EARLYOOM_KILLING.exec(text)))
        return {
          type: 'userspace-death',
          by: 'earlyoom',
          pid: int(m[1]),
          comm: m[2],
          signal: signalName(int(m[3])),
          job: null,
        };
      if ((m = EARLYOOM_SURVIVED.exec(text))) return { type: 'kill-survived', by: 'earlyoom', pid: int(m[1]) };
      return null;
    case 'systemd-oomd':
      if ((m = OOMD_PID.exec(text)))
        return { type: 'userspace-death', by: 'systemd-oomd', pid: int(m[1]), comm: '', signal: sig(m[2]), job: null };
      return null;
    case 'init':
      if ((m = UPSTART_KILLED.exec(text)))
        return { type: 'userspace-death', by: 'upstart', pid: int(m[3]), comm: m[1], signal: sig(m[4]), job: m[1] };
      return null;
    default:
      return null;
  }
}
