/**
 * cgroup: which systemd unit or container the process lives in. A `session-N.scope` dies with the
 * login session when logind's KillUserProcesses=yes; a `.service` or a container has its own life.
 */
import type { Check } from '../src/engine/types';
import { lingers, parseKillUserProcesses, readKillUserProcesses, systemdHost, userName } from '../src/source/systemd/logind';

export type CgroupKind = 'session-scope' | 'user-manager' | 'service' | 'container' | 'user-scope' | 'none';

export type CgroupEvidence = {
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
};

/** Limits at or above this are "unlimited" (v1 prints PAGE_COUNTER_MAX * page size). */
export const UNLIMITED_BYTES = 2 ** 60;

interface Classified {
  kind: CgroupKind;
  unit: string | null;
  sessionId: string | null;
  uid: number | null;
}

export function classifyCgroupPath(path: string): Classified {
  const session = /\/session-([^/]+)\.scope(\/|$)/.exec(path);
  const userUnit = /\/user@(\d+)\.service(\/|$)/.exec(path);
  if (/\/(docker|libpod|crio|cri-containerd|containerd)[-/]|\/kubepods|\/lxc[./]|\/lxc\.payload|\/machine\.slice\/|\/actions_job\//.test(path)) {
    return { kind: 'container', unit: null, sessionId: null, uid: null };
  }
  if (session) return { kind: 'session-scope', unit: `session-${session[1]}.scope`, sessionId: session[1], uid: null };
  if (userUnit) {
    const inner = /\/([^/]+\.(service|scope))(\/[^/]*)?$/.exec(path);
    return { kind: 'user-manager', unit: inner ? inner[1] : `user@${userUnit[1]}.service`, sessionId: null, uid: parseInt(userUnit[1], 10) };
  }
  const svc = /\/([^/]+\.service)(\/|$)/.exec(path);
  if (svc) return { kind: 'service', unit: svc[1], sessionId: null, uid: null };
  const scope = /\/([^/]+\.scope)(\/|$)/.exec(path);
  if (scope) return { kind: 'user-scope', unit: scope[1], sessionId: null, uid: null };
  return { kind: 'none', unit: null, sessionId: null, uid: null };
}

const RANK: Record<CgroupKind, number> = { container: 5, 'session-scope': 4, 'user-manager': 3, service: 2, 'user-scope': 1, none: 0 };

// Kept importable from here for existing callers; the reading lives in the systemd fact source.
export { parseKillUserProcesses };

export const cgroup: Check = {
  meta: {
    id: 'cgroup',
    title: 'Control group',
    description: 'cgroup paths (v1 and v2): systemd service, user manager, login session scope, container; logind KillUserProcesses; memory limit and usage.',
    requires: ['existence'],
    codes: {
      none: 'Not in a systemd unit or container cgroup.',
      service: 'Runs in a systemd service: it lives and dies with that unit.',
      'user-manager': 'Runs under the user manager (user@UID.service): stops at last logout unless lingering is on.',
      'user-manager-lingering': 'Runs under the user manager of a lingering user: logouts do not stop it.',
      'user-scope': 'Runs in a transient scope outside a login session.',
      'session-scope': 'Runs in a login session scope: stopping the session stops it if KillUserProcesses is on.',
      'session-scope-killed': 'Runs in a login session scope and KillUserProcesses=yes: it dies at logout.',
      container: 'Runs inside a container cgroup.',
      unreadable: '/proc/PID/cgroup could not be read.',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const read = ctx.facts.cgroups(pid);
    if (!read.ok) {
      return { status: read.code === 'EACCES' ? 'warn' : 'info', code: 'unreadable', summary: `Could not read /proc/${pid}/cgroup (${read.code}): ${read.message}` };
    }
    const paths = read.value.map((e) => ({ hierarchy: e.hierarchy, controllers: [...e.controllers], path: e.path }));
    let best: Classified = { kind: 'none', unit: null, sessionId: null, uid: null };
    let decidingPath: string | null = null;
    for (const e of paths) {
      const c = classifyCgroupPath(e.path);
      if (RANK[c.kind] > RANK[best.kind]) {
        best = c;
        decidingPath = e.path;
      }
    }
    const mem = ctx.facts.memoryCgroup(pid);
    const memory = mem.ok ? { ...mem.value, limitBytes: mem.value.limitBytes !== null && mem.value.limitBytes >= UNLIMITED_BYTES ? null : mem.value.limitBytes } : null;
    const kup = best.kind === 'session-scope' ? readKillUserProcesses(ctx.facts) : { value: null, source: null, compiledDefault: false };
    // A session scope's user is the process's own uid; a user manager's is in its path.
    const status = ctx.facts.status(pid);
    const uid = best.kind === 'user-manager' ? best.uid : best.kind === 'session-scope' && status.ok ? status.value.uid[0] ?? null : null;
    const user = uid === null ? null : userName(ctx.facts, uid);
    const host = systemdHost(ctx.facts);
    const evidence: CgroupEvidence = {
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
      lingering: user === null ? null : lingers(ctx.facts, user),
      systemdRunning: host.running,
      systemdRun: host.systemdRun,
      memory,
    };
    const details = paths.map((p) => `${p.hierarchy}:${p.controllers.join(',')}:${p.path}`);
    if (memory) {
      details.push(`Memory cgroup ${memory.path} (v${memory.version}): usage ${memory.usageBytes ?? '?'} bytes, limit ${memory.limitBytes ?? 'none'}.`);
    } else if (!mem.ok) {
      details.push(`Memory cgroup not readable: ${mem.message}`);
    }
    switch (best.kind) {
      case 'session-scope':
        if (kup.value === true) {
          const why = kup.compiledDefault ? `the compiled-in default, as ${kup.source} shows it` : kup.source;
          return { status: 'warn', code: 'session-scope-killed', summary: `In login session ${best.unit} with KillUserProcesses=yes (${why}): it dies when the session ends.`, details, evidence };
        }
        return {
          status: 'warn',
          code: 'session-scope',
          summary: `In login session ${best.unit}: ${kup.value === false ? `KillUserProcesses=no (${kup.compiledDefault ? `the compiled-in default, as ${kup.source} shows it` : kup.source}), so logout alone does not stop it` : 'logout stops it if logind KillUserProcesses is on (not set in a readable logind.conf)'}.`,
          details,
          evidence,
        };
      case 'user-manager':
        if (evidence.lingering === true) {
          return { status: 'pass', code: 'user-manager-lingering', summary: `Under the user manager (${best.unit}); ${user} lingers (/var/lib/systemd/linger/${user}), so the manager outlives logouts.`, details, evidence };
        }
        return {
          status: 'info',
          code: 'user-manager',
          summary: `Under the user manager (${best.unit}): it stops at ${user ?? 'the user'}'s last logout${evidence.lingering === false ? ` (${user} does not linger: loginctl enable-linger ${user})` : ' unless lingering is enabled'}.`,
          details,
          evidence,
        };
      case 'service':
        return { status: 'pass', code: 'service', summary: `In systemd service ${best.unit}.`, details, evidence };
      case 'container':
        return { status: 'info', code: 'container', summary: `Inside a container cgroup (${decidingPath}).`, details, evidence };
      case 'user-scope':
        return { status: 'pass', code: 'user-scope', summary: `In transient scope ${best.unit}.`, details, evidence };
      default:
        return { status: 'pass', code: 'none', summary: 'Not in a login session, service or container cgroup.', details, evidence };
    }
  },
};
