/**
 * strace's signal-only output (`strace -q -e trace=exit_group -e signal=all -p PID`), one line at a time:
 *   --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=123, si_uid=0} ---
 *   exit_group(7)                           = ?
 *   +++ exited with 7 +++
 *   +++ killed by SIGTERM +++            (or `+++ killed by SIGSEGV (core dumped) +++`)
 */
export type StraceLine =
  | { type: 'signal'; signal: string; code: string | null; senderPid: number | null; senderUid: number | null }
  | { type: 'exited'; code: number }
  | { type: 'killed'; signal: string; coreDumped: boolean }
  | { type: 'exit_group'; code: number };

export function parseStraceLine(raw: string): StraceLine | null {
  const line = raw.replace(/^\[pid\s+\d+\]\s+/, '').trim();
  let m = /^--- (SIG[A-Z0-9+]+) \{(.*)\} ---$/.exec(line);
  if (m) {
    const body = m[2];
    const code = /si_code=([A-Z_0-9]+)/.exec(body)?.[1] ?? null;
    const pid = /si_pid=(\d+)/.exec(body)?.[1];
    const uid = /si_uid=(\d+)/.exec(body)?.[1];
    return { type: 'signal', signal: m[1], code, senderPid: pid ? +pid : null, senderUid: uid ? +uid : null };
  }
  if ((m = /^\+\+\+ exited with (\d+) \+\+\+$/.exec(line))) return { type: 'exited', code: +m[1] };
  if ((m = /^\+\+\+ killed by (SIG[A-Z0-9+]+)( \(core dumped\))? \+\+\+$/.exec(line))) {
    return { type: 'killed', signal: m[1], coreDumped: Boolean(m[2]) };
  }
  if ((m = /^exit_group\((-?\d+)\)/.exec(line))) return { type: 'exit_group', code: +m[1] };
  return null;
}
