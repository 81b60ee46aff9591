/**
 * pidfd_send_signal(2) (systemd, newer runtimes) aims a signal through a pidfd, not a pid: the tracefs
 * backend cannot filter it by target, so it traces every call with a signal and matches the call to the
 * signal_generate that follows in the same task, as it does for kill(). Without it, such a signal would
 * look sent with no syscall behind it (a cgroup.kill or a parent-death signal).
 *
 * The syscall tracepoint prints `sys_pidfd_send_signal(pidfd: 0x5, sig: 0x9, info: 0x0, flags: 0x0)`
 * after the usual `<comm>-<tid> [cpu] ... ts:` prefix.
 */
import { syscallInt } from '../source/trace/parse';

export interface PidfdSignal {
  taskPid: number;
  sig: number;
}

const LINE = /^.*-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\].*?sys_pidfd_send_signal\(pidfd: [^,]+, sig: ([^,]+),/;

export function parsePidfdSignal(line: string): PidfdSignal | null {
  const m = LINE.exec(line);
  return m ? { taskPid: Number(m[1]), sig: syscallInt(m[2]) } : null;
}
