/**
 * session-end: the user's login session ends (logout, SSH session closed) and logind stops its scope.
 * Only a process inside a `session-N.scope` cgroup is reached, and only when KillUserProcesses=yes;
 * the user manager (user@UID.service) stops at the last logout unless the user lingers.
 */
import type { SurvivalRule, RiskEvidence } from './types';
import { termThenKillNote } from './dispositions';

const scope = (e: RiskEvidence): boolean => e.cgroup?.kind === 'session-scope';
const manager = (e: RiskEvidence): boolean => e.cgroup?.kind === 'user-manager';

/** Which file set KillUserProcesses, or that the build's default did (as the shipped logind.conf shows it). */
function decidedBy(e: RiskEvidence): string {
  const c = e.cgroup;
  if (!c) return '?';
  if (c.killUserProcessesCompiledDefault)
    return `the compiled-in default, as ${c.killUserProcessesSource ?? 'logind.conf'} shows it`;
  return c.killUserProcessesSource ?? 'the compiled-in default';
}
const who = (e: RiskEvidence): string =>
  e.cgroup?.user ?? (e.cgroup?.uid !== null && e.cgroup?.uid !== undefined ? `uid ${e.cgroup.uid}` : 'the user');

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
        ? `it runs in login session ${e.cgroup.unit} and KillUserProcesses=yes (${decidedBy(e)}): logind stops the whole scope at logout, whatever nohup or setsid did${termThenKillNote(e, 'the scope stop (SIGTERM and SIGHUP, then SIGKILL after TimeoutStopSec)')}`
        : null,
  },
  {
    code: 'session.kept-at-logout',
    event: 'session-end',
    outcome: 'survives',
    confidence: 'certain',
    meaning: "It runs in a login session scope but KillUserProcesses=no: logout leaves the scope's processes running.",
    when: (e) =>
      scope(e) && e.cgroup?.killUserProcesses === false
        ? `it runs in login session ${e.cgroup.unit}, but KillUserProcesses=no (${decidedBy(e)}): logout leaves it running`
        : null,
  },
  {
    code: 'session.kill-user-processes-unset',
    event: 'session-end',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'It runs in a login session scope and no readable logind.conf sets KillUserProcesses: the compiled-in default decides.',
    when: (e) =>
      scope(e)
        ? `it runs in login session ${e.cgroup?.unit}; no readable logind.conf sets KillUserProcesses, so logind's compiled-in default decides (yes upstream, no on most distributions)`
        : null,
  },
  {
    code: 'session.user-manager-lingering',
    event: 'session-end',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'It runs under the user manager of a lingering user: the manager stays after the last logout.',
    when: (e) =>
      manager(e) && e.cgroup?.lingering === true
        ? `it runs under the user manager (${e.cgroup.unit}) and ${who(e)} lingers (/var/lib/systemd/linger): the manager stays after the last logout`
        : null,
  },
  {
    code: 'session.user-manager',
    event: 'session-end',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      "It runs under the user manager of a user who does not linger: the manager and its units stop shortly after the user's last logout.",
    when: (e) =>
      manager(e) && e.cgroup?.lingering === false
        ? `it runs under the user manager (${e.cgroup.unit}) and ${who(e)} does not linger: the manager stops its units a few seconds (UserStopDelaySec) after the user's last logout${termThenKillNote(e, 'a unit stop (SIGKILL after TimeoutStopSec)')}`
        : null,
  },
  {
    code: 'session.user-manager-unread',
    event: 'session-end',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'It runs under the user manager, and whether the user lingers could not be read.',
    when: (e) =>
      manager(e)
        ? `it runs under the user manager (${e.cgroup?.unit}), which stops at the user's last logout unless the user lingers, and the linger state could not be read (\`loginctl show-user\` shows Linger)`
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
