/**
 * session-end: the user's login session ends (logout, SSH session closed) and logind stops its scope.
 * Only a process inside a `session-N.scope` cgroup is reached, and only when KillUserProcesses=yes;
 * the user manager (user@UID.service) stops at the last logout unless the user lingers.
 */
import type { SurvivalRule, RiskEvidence } from './types';

const scope = (e: RiskEvidence): boolean => e.cgroup?.kind === 'session-scope';

export const sessionEndRules: SurvivalRule[] = [
  {
    code: 'session.unread',
    event: 'session-end',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'Its cgroup could not be read.',
    when: (e) => (e.cgroup ? null : 'its cgroup could not be read'),
  },
  {
    code: 'session.kill-user-processes',
    event: 'session-end',
    outcome: 'dies',
    confidence: 'certain',
    meaning: 'It runs in a login session scope and logind has KillUserProcesses=yes: the scope is stopped at logout.',
    when: (e) =>
      scope(e) && e.cgroup?.killUserProcesses === true
        ? `it runs in login session ${e.cgroup.unit} and KillUserProcesses=yes (${e.cgroup.killUserProcessesSource}): logind stops the whole scope at logout, whatever nohup or setsid did`
        : null,
  },
  {
    code: 'session.kept-at-logout',
    event: 'session-end',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'It runs in a login session scope but KillUserProcesses=no: logout leaves the scope\'s processes running.',
    when: (e) =>
      scope(e) && e.cgroup?.killUserProcesses === false
        ? `it runs in login session ${e.cgroup.unit}, but KillUserProcesses=no (${e.cgroup.killUserProcessesSource ?? 'the compiled-in default'}): logout leaves it running`
        : null,
  },
  {
    code: 'session.kill-user-processes-unset',
    event: 'session-end',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'It runs in a login session scope and no readable logind.conf sets KillUserProcesses: the compiled-in default decides.',
    when: (e) =>
      scope(e)
        ? `it runs in login session ${e.cgroup?.unit}; no readable logind.conf sets KillUserProcesses, so logind's compiled-in default decides (yes upstream, no on most distributions)`
        : null,
  },
  {
    code: 'session.user-manager',
    event: 'session-end',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'It runs under the user manager: it stops at the user\'s last logout unless the user lingers.',
    when: (e) =>
      e.cgroup?.kind === 'user-manager'
        ? `it runs under the user manager (${e.cgroup.unit}), which stops at the user's last logout unless lingering is enabled (\`loginctl show-user\` shows Linger)`
        : null,
  },
  {
    code: 'session.outside',
    event: 'session-end',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'It is not in a login session scope: no session end stops it.',
    when: (e) => {
      const c = e.cgroup;
      if (!c) return null;
      const path = c.decidingPath ?? c.paths[0]?.path ?? '/';
      if (c.kind === 'service') return `it runs in systemd service ${c.unit} (${path}), not in a login session scope`;
      if (c.kind === 'container') return `it runs in a container cgroup (${path}), not in a login session scope`;
      if (c.kind === 'user-scope') return `it runs in scope ${c.unit} (${path}), not in a login session scope`;
      return `its cgroup (${path}) is not a login session scope, so no session end stops it`;
    },
  },
];
