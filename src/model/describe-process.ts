/** One process as the model describes it everywhere (ancestors, group and session members, the terminal's holder). */
import type { Facts, ProcStat } from '../source/types';
import { classifyProcess, type AncestorKind } from './classify';
import { isKernelThreadStat } from './existence';

export type ProcessDescription = {
  pid: number;
  ppid: number;
  comm: string;
  argv: string[] | null;
  /** ISO 8601. */
  startTime: string;
  startTicks: number;
  kind: AncestorKind;
  label: string;
  pgid: number;
  sid: number;
  ttyNr: number;
};

export function describeProcess(facts: Facts, stat: ProcStat): ProcessDescription {
  const argvRead = facts.argv(stat.pid);
  const argv = argvRead.ok ? argvRead.value : null;
  const c = classifyProcess({
    pid: stat.pid,
    comm: stat.comm,
    argv,
    ttyNr: stat.ttyNr,
    kernelThread: isKernelThreadStat(stat),
  });
  let startIso = '';
  try {
    const host = facts.host();
    startIso = new Date((host.bootTime + stat.startTime / host.clockTicks) * 1000).toISOString();
  } catch {
    startIso = '';
  }
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    comm: stat.comm,
    argv,
    startTime: startIso,
    startTicks: stat.startTime,
    kind: c.kind,
    label: c.label,
    pgid: stat.pgrp,
    sid: stat.session,
    ttyNr: stat.ttyNr,
  };
}
