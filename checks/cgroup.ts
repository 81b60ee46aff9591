/**
 * cgroup: which systemd unit or container the process lives in. A `session-N.scope` dies with the
 * login session when logind's KillUserProcesses=yes; a `.service` or a container has its own life.
 */
import type { Check } from '../src/engine/types';

export const cgroup: Check = {
  meta: {
    id: 'cgroup',
    title: 'Control group',
    description:
      'cgroup paths (v1 and v2): systemd service, user manager, login session scope, container; logind KillUserProcesses; memory limit and usage.',
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
    const read = ctx.model.cgroup;
    if (!read.ok) {
      return {
        status: read.code === 'EACCES' ? 'warn' : 'info',
        code: 'unreadable',
        summary: `Could not read /proc/${pid}/cgroup (${read.code}): ${read.message}`,
      };
    }
    const { section: evidence, memoryRead: mem } = read.value;
    const { paths, memory, user, decidingPath } = evidence;
    const best = { kind: evidence.kind, unit: evidence.unit };
    const kup = {
      value: evidence.killUserProcesses,
      source: evidence.killUserProcessesSource,
      compiledDefault: evidence.killUserProcessesCompiledDefault,
    };
    const details = paths.map((p) => `${p.hierarchy}:${p.controllers.join(',')}:${p.path}`);
    if (memory) {
      details.push(
        `Memory cgroup ${memory.path} (v${memory.version}): usage ${memory.usageBytes ?? '?'} bytes, limit ${memory.limitBytes ?? 'none'}.`,
      );
    } else if (!mem.ok) {
      details.push(`Memory cgroup not readable: ${mem.message}`);
    }
    switch (best.kind) {
      case 'session-scope':
        if (kup.value === true) {
          const why = kup.compiledDefault ? `the compiled-in default, as ${kup.source} shows it` : kup.source;
          return {
            status: 'warn',
            code: 'session-scope-killed',
            summary: `In login session ${best.unit} with KillUserProcesses=yes (${why}): it dies when the session ends.`,
            details,
            evidence,
          };
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
          return {
            status: 'pass',
            code: 'user-manager-lingering',
            summary: `Under the user manager (${best.unit}); ${user} lingers (/var/lib/systemd/linger/${user}), so the manager outlives logouts.`,
            details,
            evidence,
          };
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
        return {
          status: 'info',
          code: 'container',
          summary: `Inside a container cgroup (${decidingPath}).`,
          details,
          evidence,
        };
      case 'user-scope':
        return { status: 'pass', code: 'user-scope', summary: `In transient scope ${best.unit}.`, details, evidence };
      default:
        return {
          status: 'pass',
          code: 'none',
          summary: 'Not in a login session, service or container cgroup.',
          details,
          evidence,
        };
    }
  },
};
