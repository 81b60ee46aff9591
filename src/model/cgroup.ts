/**
 * The control group: which systemd unit or container the process lives in. A `session-N.scope` dies
 * with the login session when logind's KillUserProcesses=yes; a `.service` or a container has its own
 * life. Also the logind and systemd facts that decide what a session end or a relaunch means.
 */
import type { Facts, MemoryCgroup, Read } from '../source/types';
import { ok } from '../source/types';
import { lingers, readKillUserProcesses, systemdHost, userGid, userName } from '../source/systemd/logind';
import { unitStates, userUnitStates, type ManagerRead } from '../source/systemd/manager';
import { CGROUP_RANK, classifyCgroupPath, serviceUnitOf, type CgroupClass, type CgroupKind } from './cgroup-path';

export type CgroupSection = {
  paths: { hierarchy: number; controllers: string[]; path: string }[];
  kind: CgroupKind;
  /** The path that decided `kind`. */
  decidingPath: string | null;
  unit: string | null;
  sessionId: string | null;
  uid: number | null;
  /** logind KillUserProcesses from logind.conf(.d); null when no file sets it or none is readable. */
  killUserProcesses: boolean | null;
  killUserProcessesSource: string | null;
  /** True when no file sets KillUserProcesses and the value is the build's default (as the shipped logind.conf shows it). */
  killUserProcessesCompiledDefault: boolean;
  /** The session's or user manager's user, and whether it lingers (/var/lib/systemd/linger/USER); null when not a user cgroup. */
  user: string | null;
  lingering: boolean | null;
  /** systemd runs as PID 1 here (/run/systemd/system), and where systemd-run is (null when not installed). */
  systemdRunning: boolean;
  systemdRun: string | null;
  memory: { path: string; limitBytes: number | null; usageBytes: number | null; version: 1 | 2 } | null;
  /**
   * Its service unit as its manager holds it: the system manager's (the one `systemctl show` the systemd-unit
   * check makes too) or, for a unit under user@UID.service, that user's manager (`systemctl --user show`, as
   * the user). Its live main process and what its exit does to the rest of the cgroup (KillMode=, Type=,
   * RemainAfterExit=, ExitType=). Null outside a service or when the manager could not be asked.
   * Null too when the manager is not asked (the systemd-unit check does not run: the rules then read its
   * `manager` section as unread).
   */
  service: ServiceState | null;
};

export type ServiceState = {
  manager: 'system' | 'user';
  mainPid: number;
  killMode: string | null;
  /** Type= (simple, exec, forking, oneshot, notify...), RemainAfterExit=, ExitType= (null before systemd 250). */
  serviceType: string | null;
  remainAfterExit: boolean | null;
  exitType: string | null;
  /** SendSIGKILL= and TimeoutStopSec= (ms; null when infinity): whether and when its stop ends with SIGKILL. */
  sendSigkill: boolean | null;
  timeoutStopMs: number | null;
};

export interface Cgroup {
  section: CgroupSection;
  /** The memory cgroup read, kept for its error message when it failed. */
  memoryRead: Read<MemoryCgroup>;
}

/** Limits at or above this are "unlimited" (v1 prints PAGE_COUNTER_MAX * page size). */
const UNLIMITED_BYTES = 2 ** 60;

/** A memory limit in bytes, or null when there is none (unset, or the v1 "unlimited" sentinel). */
export const realLimit = (bytes: number | null): number | null =>
  bytes !== null && bytes < UNLIMITED_BYTES ? bytes : null;

/** `askManager`: whether to ask the service manager about a service (only when the check presenting it runs). */
export function deriveCgroup(
  facts: Facts,
  pid: number,
  opts: { askManager: boolean } = { askManager: true },
): Read<Cgroup> {
  const read = facts.cgroups(pid);
  if (!read.ok) return read;
  const paths = read.value.map((e) => ({ hierarchy: e.hierarchy, controllers: [...e.controllers], path: e.path }));
  let best: CgroupClass = { kind: 'none', unit: null, sessionId: null, uid: null };
  let decidingPath: string | null = null;
  for (const e of paths) {
    const c = classifyCgroupPath(e.path);
    if (CGROUP_RANK[c.kind] > CGROUP_RANK[best.kind]) {
      best = c;
      decidingPath = e.path;
    }
  }
  const mem = facts.memoryCgroup(pid);
  const memory = mem.ok ? { ...mem.value, limitBytes: realLimit(mem.value.limitBytes) } : null;
  const kup =
    best.kind === 'session-scope'
      ? readKillUserProcesses(facts)
      : { value: null, source: null, compiledDefault: false };
  // A session scope's user is the process's own uid; a user manager's is in its path.
  const status = facts.status(pid);
  const uid =
    best.kind === 'user-manager'
      ? best.uid
      : best.kind === 'session-scope' && status.ok
        ? (status.value.uid[0] ?? null)
        : null;
  const user = uid === null ? null : userName(facts, uid);
  const host = systemdHost(facts);
  // A service's main process and KillMode decide what its exit does to the rest of the unit (parent-exit).
  const service = opts.askManager && host.running ? serviceState(facts, best) : null;
  return ok({
    section: {
      paths,
      kind: best.kind,
      decidingPath,
      unit: best.unit,
      sessionId: best.sessionId,
      uid: best.uid,
      killUserProcesses: kup.value,
      killUserProcessesSource: kup.source,
      killUserProcessesCompiledDefault: kup.compiledDefault,
      user,
      lingering: user === null ? null : lingers(facts, user),
      systemdRunning: host.running,
      systemdRun: host.systemdRun,
      memory,
      service,
    },
    memoryRead: mem,
  });
}

/** The manager's state of the service a process runs in: the system's, or its user's for a user unit. */
export function serviceState(facts: Facts, c: CgroupClass): ServiceState | null {
  const svc = serviceUnitOf(c);
  if (!svc) return null;
  const { unit, manager } = svc;
  let read: ManagerRead;
  if (svc.manager === 'system') read = unitStates(facts, [unit]);
  else {
    const gid = userGid(facts, svc.uid);
    if (gid === null) return null;
    read = userUnitStates(facts, { uid: svc.uid, gid }, [unit]);
  }
  const u = read.ok ? read.units.find((x) => x.id === unit) : undefined;
  if (!u) return null;
  return {
    manager,
    mainPid: u.mainPid,
    killMode: u.killMode,
    serviceType: u.serviceType,
    remainAfterExit: u.remainAfterExit,
    exitType: u.exitType,
    sendSigkill: u.sendSigkill,
    timeoutStopMs: u.timeoutStopMs,
  };
}
