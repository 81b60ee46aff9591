/**
 * parent-exit: the process that started it exits normally (the user types `exit`, a runner script ends).
 *
 * Reparenting itself sends nothing (only a prctl parent-death signal would, and /proc does not show it).
 * What does send signals: an interactive login shell with `huponexit` SIGHUPs its jobs; bash sends
 * stopped jobs SIGTERM+SIGCONT; the kernel SIGHUPs a group orphaned with a stopped member, and the
 * foreground group when the controlling process exits. A tmux, screen or dtach server is the keeper of
 * its panes, and a supervisor or signal-relaying wrapper the keeper of its child (src/model/tools.ts):
 * their end is a real death, marked `by: 'keeper'` so the verdict does not count it as a threat.
 */
import type { SurvivalRule, RiskEvidence } from './types';
import type { ProcessDescription as AncestorEvidence } from '../../model/describe-process';
import { DETACHABLE_KEEPERS, isLoginShellArgv } from '../../model/classify';
import { toolOf } from '../../model/tools';
import { kernelParentExitRules } from './parent-exit-kernel';
import type { ServiceState } from '../../model/cgroup';
import { serviceUnitOf } from '../../model/cgroup-path';
import { runtimeParentExitRules } from './parent-exit-runtimes';

const parentOf = (e: RiskEvidence): AncestorEvidence | null => e.chain?.ancestors[0] ?? null;
const nameOf = (a: AncestorEvidence): string => `${a.label} (pid ${a.pid})`;
const hupIgnored = (e: RiskEvidence): boolean => e.signals?.hup === 'ignored';

/** A tool known to only wait for its children (cron, atd, xargs, daemontools supervise): say so. */
function reapsOnlyNote(p: AncestorEvidence): string {
  const tool = toolOf(p);
  return tool?.traits.reapsOnly ? ` (${tool.label} only waits for its children: it sends them nothing at its end)` : '';
}

/**
 * Its keeper: the parent when that stops its children on its own stop; or, past a `sh -c` that runs it
 * in the same process group, a grandparent whose stop reaches the whole group (parallel, timeout, pm2).
 */
function stopperOf(e: RiskEvidence, parent: AncestorEvidence): AncestorEvidence | null {
  // A forked copy of the tool itself (socat's per-connection fork: same argv) is not the program it runs.
  const self = e.chain?.self.argv;
  if (self && parent.argv && self.join('\0') === parent.argv.join('\0')) return null;
  if (toolOf(parent)?.traits.stopsChildrenOnOwnStop) return parent;
  const grand = e.chain?.ancestors[1];
  if (parent.kind !== 'shell' || !grand || parent.pgid !== e.process?.pgid) return null;
  const tool = toolOf(grand);
  return tool?.traits.stopsChildrenOnOwnStop && tool.traits.signalsGroup ? grand : null;
}

/** A stopped job (state T) of its parent, an interactive shell: the shell's exit SIGTERMs and SIGCONTs it. */
const stoppedJobOf = (e: RiskEvidence, p: AncestorEvidence): boolean =>
  p.kind === 'interactive-shell' && e.existence?.stateLetter === 'T';

/** A relayed SIGTERM it ignores or catches: what ends it then (only a relaying keeper's escalation, or its handler). */
function relayNote(e: RiskEvidence, t: { relaysSignals: boolean; escalatesToKill: boolean }): string {
  if (!t.relaysSignals) return '';
  const then = t.escalatesToKill ? ', and the keeper follows with SIGKILL' : '';
  if (e.signals?.term === 'ignored') return `; it ignores the relayed SIGTERM (SigIgn)${then}`;
  if (e.signals?.term === 'caught')
    return `; it catches SIGTERM (SigCgt), so its own handler decides how it ends${then}`;
  return '';
}

/** What would leave it running: a SIGKILL of the keeper, or any signal when the keeper catches no SIGTERM. */
function exception(
  e: RiskEvidence,
  p: AncestorEvidence,
  direct: AncestorEvidence,
  tool: NonNullable<ReturnType<typeof toolOf>>,
): string {
  if (tool.traits.holdsPty)
    return `if ${p.comm} holds its terminal (its own pty), even a SIGKILL of it hangs that terminal up`;
  // A keeper without a SIGTERM handler (SigCgt) stops its child only through its own stop command.
  if (p === direct && !tool.traits.relaysSignals && e.chain?.parentTermCaught === false)
    return `${p.comm} catches no SIGTERM (SigCgt), so only its own stop command ends it: a SIGTERM or SIGKILL of ${p.comm} itself leaves it running, reparented`;
  return `only a SIGKILL of ${p.comm} would leave it running, reparented`;
}

/** Rules that only apply once the parent is known: skip when the chain is unreadable or already reparented. */
function withParent(e: RiskEvidence, f: (p: AncestorEvidence) => string | null): string | null {
  const p = parentOf(e);
  if (!p || !e.process || e.process.ppid <= 1 || e.chain?.reparented) return null;
  return f(p);
}

/** Its service's state when its parent is that service's live main process (system or user manager). */
function withUnitMain(
  e: RiskEvidence,
  f: (p: AncestorEvidence, s: ServiceState, unit: string) => string | null,
): string | null {
  return withParent(e, (p) => {
    const s = e.manager?.service;
    const unit = e.cgroup?.unit;
    return s && unit && s.mainPid === p.pid ? f(p, s, unit) : null;
  });
}

const who = (e: RiskEvidence): string =>
  e.cgroup?.user ?? (e.cgroup?.uid !== null && e.cgroup?.uid !== undefined ? `uid ${e.cgroup.uid}` : 'the user');

const unitWords = (e: RiskEvidence, s: ServiceState, unit: string): string =>
  s.manager === 'user' ? `${who(e)}'s user service ${unit} (systemd --user, user@${e.cgroup?.uid}.service)` : unit;

/** The command that shows these properties, as whoever can ask that manager (a user manager: the user itself). */
const showCmd = (e: RiskEvidence, s: Pick<ServiceState, 'manager'>, unit: string, props: string): string =>
  s.manager === 'user'
    ? `\`systemctl --user show ${unit} -p ${props}\` as ${who(e)}`
    : `\`systemctl show ${unit} -p ${props}\``;

const stopWords = (e: RiskEvidence, s: ServiceState, unit: string): string =>
  s.manager === 'user'
    ? `the unit is stopped (\`systemctl --user stop ${unit}\` as ${who(e)}, or its user manager's stop)`
    : `the unit is stopped (\`systemctl stop ${unit}\`)`;

/** What counts as a clean exit of the main process (systemd's is_clean_exit: EXIT_CLEAN_COMMAND for oneshot, else EXIT_CLEAN_DAEMON). */
const cleanExit = (s: ServiceState): string =>
  s.serviceType === 'oneshot'
    ? 'status 0 or a SuccessExitStatus='
    : 'status 0, SIGTERM, SIGHUP, SIGINT, SIGPIPE or a SuccessExitStatus=';

const failingExit = (s: ServiceState): string => {
  const mode = s.killMode ?? 'control-group';
  if (mode === 'process' || mode === 'none') return '';
  return `; a failing exit (another status, a crash, a SIGKILL) makes systemd stop the unit and kill the rest of its cgroup (KillMode=${mode}), and that would end it`;
};

/** RemainAfterExit=yes or ExitType=cgroup: a clean exit of the main process does not stop the unit. */
const keepsRunning = (s: ServiceState): boolean => s.remainAfterExit === true || s.exitType === 'cgroup';

/** A process left in a user service, adopted by its manager: the main process's exit or the unit's stop ends it. */
function userLeftover(s: ServiceState, unit: string): string {
  const mode = s.killMode ?? 'control-group';
  if (mode === 'process' || mode === 'none')
    return `it runs in ${unit}, whose KillMode=${mode} leaves it running when the unit's main process exits or the unit stops`;
  const main = s.mainPid > 0 && !keepsRunning(s) ? `its main process (pid ${s.mainPid}) exits or ` : '';
  return `it runs in ${unit} but is not its main process: when ${main}the unit stops, the user manager kills the rest of its cgroup (KillMode=${mode}), which ends it too`;
}

/** A process left in a system service by a start script (or a forking daemon's parent), reparented to pid 1. */
function leftIn(p: AncestorEvidence, s: ServiceState, unit: string): string {
  const mode = s.killMode ?? 'control-group';
  const kills = mode !== 'process' && mode !== 'none';
  const main =
    s.mainPid <= 0
      ? `not a main process (${unit} has none running now)`
      : keepsRunning(s)
        ? `not its main process (pid ${s.mainPid}), whose clean exit leaves the unit active (RemainAfterExit=yes or ExitType=cgroup)`
        : `not its main process (pid ${s.mainPid}): ${kills ? `when that exits systemd stops ${unit} and kills the rest of its cgroup (KillMode=${mode}), which ends it too` : `KillMode=${mode} leaves it running when that exits`}`;
  const stop = kills
    ? `\`systemctl stop ${unit}\` ends it too`
    : `even \`systemctl stop ${unit}\` leaves it (KillMode=${mode} signals ${mode === 'none' ? 'nothing' : 'only the main process'})`;
  return `its parent is ${nameOf(p)}, the service manager, which does not exit: it runs in ${unit} but is ${main}; ${stop}`;
}

/** A SIGTERM of the unit's stop that it ignores or catches: when the SIGKILL comes (TimeoutStopSec=). */
function sigtermNote(e: RiskEvidence, s: ServiceState): string {
  const term = e.signals?.term;
  if (term !== 'ignored' && term !== 'caught') return '';
  const after = s.timeoutStopMs === null ? 'TimeoutStopSec=' : `TimeoutStopSec=${s.timeoutStopMs / 1000}s`;
  const kill = s.sendSigkill === false ? 'no SIGKILL follows (SendSIGKILL=no)' : `the SIGKILL ${after} later ends it`;
  return term === 'ignored'
    ? `; it ignores SIGTERM (SigIgn), so ${kill}`
    : `; it catches SIGTERM (SigCgt), so its own handler decides, and ${kill}`;
}

/**
 * Its keeper's end (a terminal keeper, a supervisor, a relaying wrapper): tried first, because the keeper's
 * ordinary stop decides before a pipe it holds could matter; a namespace init is left to the kernel's rule.
 */
const keeperRules: SurvivalRule[] = [
  {
    code: 'parent.keeper',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    by: 'keeper',
    meaning:
      "Its parent is a detachable terminal keeper (tmux, screen, dtach, abduco): it outlives logouts and disconnects, but when the keeper itself ends its terminal hangs up and SIGHUP ends it (the keeper's end, not a threat).",
    when: (e) =>
      withParent(e, (p) => {
        // By name (tmux, screen, dtach) or by what it does: the daemon holding its terminal's master.
        const holdsAsKeeper = e.tty?.master?.keeper === true && e.tty.master.pid === p.pid;
        if ((!DETACHABLE_KEEPERS.has(p.kind) && !holdsAsKeeper) || hupIgnored(e)) return null;
        const stop = toolOf(p)?.stop;
        return `its parent is the ${nameOf(p)}, which keeps its terminal running after the user detaches or logs out; when that keeper itself ends (${stop ?? 'killed'}, or its last window closed) the terminal's master closes, the kernel hangs the terminal up and SIGHUP ends it: the keeper's own end, not a threat`;
      }),
  },
  {
    code: 'parent.keeper-job',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    by: 'keeper',
    meaning:
      "It is a background job of the shell in a keeper's pane (its terminal's master is held by tmux, screen, dtach or another keeper): that shell ends when the keeper closes the pane or stops (kill-pane, kill-server, screen quit), and then forwards SIGHUP to its jobs: the keeper's end, not a threat. A plain `exit` typed in that shell, or a disowned job, leaves it running.",
    when: (e) =>
      withParent(e, (p) => {
        const m = e.tty?.master;
        if (p.kind !== 'interactive-shell' || !m?.keeper || e.group?.jobOf?.pid !== p.pid || e.tty?.foreground)
          return null;
        if (e.signals?.hup !== 'default') return null;
        // The keeper is an ancestor (its argv is known there); its comm alone (`tmux: server`) names no tool.
        const keeper = e.chain?.ancestors.find((a) => a.pid === m.pid);
        const stop = keeper ? toolOf(keeper)?.stop : null;
        return `it is a background job of ${nameOf(p)}, the shell of a pane whose terminal ${e.tty?.tty ?? ''} is held by its keeper ${m.label} (pid ${m.pid}): when the keeper closes that pane or stops (${stop ?? 'killed'}, the pane or window killed) the terminal hangs up, the kernel SIGHUPs that shell and it forwards SIGHUP to its jobs, so it dies with it: the keeper's end, not a threat; it runs on only if the job was disowned (which /proc cannot show) or the shell just exits (\`exit\` typed in it leaves it reparented, its terminal gone)`;
      }),
  },
  {
    code: 'parent.stopper',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    by: 'keeper',
    meaning:
      "Its parent (or, past a `sh -c` in its group, a parent's parent whose stop reaches the group) is a supervisor, a signal-relaying wrapper or a container init (supervisord, pm2, runsv, s6-supervise, sudo, su, runuser, timeout, parallel, make, tini, dumb-init...): when that keeper is stopped it stops its child (the keeper's end, not a threat); only a SIGKILL of the keeper leaves it running.",
    when: (e) =>
      withParent(e, (direct) => {
        // pid 1 of its namespace: the kernel's zap of the namespace decides (parent.namespace-init).
        if (e.namespace?.nsInit?.pid === direct.pid && e.namespace.depth > 1) return null;
        const p = stopperOf(e, direct);
        const tool = p ? toolOf(p) : null;
        if (!p || !tool) return null;
        // A relayed SIGTERM it ignores ends nothing, unless the keeper follows it with SIGKILL.
        if (tool.traits.relaysSignals && e.signals?.term === 'ignored' && !tool.traits.escalatesToKill) return null;
        const how = tool.traits.relaysSignals
          ? `it relays the stop signal to ${p === direct ? 'it' : 'its process group'}`
          : 'it stops its children before it exits';
        const whose = p === direct ? 'its parent' : `its parent's parent (through ${nameOf(direct)})`;
        return `${whose} ${nameOf(p)} is its keeper: when it is stopped (${tool.stop ?? 'SIGTERM'}) ${how}, so it ends with it (the keeper's end, not a threat)${relayNote(e, tool.traits)}; ${exception(e, p, direct, tool)}`;
      }),
  },
  {
    code: 'parent.prefork-worker',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    by: 'keeper',
    meaning:
      "It is a worker of a pre-forked server pool: it runs its parent's program and accepts on the parent's listening socket. The master owns its pool and stops its workers when it is stopped (gunicorn, uvicorn --workers, nginx, Apache httpd, uWSGI): the keeper's end, not a threat; only a SIGKILL of the master leaves them running, until they notice.",
    when: (e) =>
      withParent(e, (p) => {
        const m = e.chain?.preforkMaster;
        if (!m || m.pid !== p.pid) return null;
        return `it is a worker of ${nameOf(p)}: it runs the same program and accepts on the socket its parent listens on (port ${m.port}); the master of a worker pool stops its workers when it is stopped (gunicorn's or uvicorn's SIGTERM, nginx -s stop, apachectl stop), so it ends with it (the keeper's end, not a threat); only a SIGKILL of the master leaves it running, until the worker itself notices its parent is gone (a master's own policy, which /proc cannot show)`;
      }),
  },
];

export const parentExitRules: SurvivalRule[] = [
  ...keeperRules,
  // kernel (mech-kernel): what the kernel itself does when the parent exits, read from what /proc shows.
  ...kernelParentExitRules,
  {
    code: 'parent.unread',
    event: 'parent-exit',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'Its parent chain could not be read.',
    when: (e) => {
      if (!e.chain || !e.process) return 'its parent chain could not be read';
      if (e.process.ppid > 1 && !e.chain.reparented && !parentOf(e)) {
        return `its parent ${e.process.ppid} could not be read${e.chain.stoppedAt ? ` (${e.chain.stoppedAt.reason})` : ''}`;
      }
      return null;
    },
  },
  {
    code: 'parent.service-manager',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'certain',
    meaning:
      'It was started by the service manager (systemd as pid 1) in a unit: its parent is the manager, which does not exit.',
    when: (e) => {
      const p = parentOf(e);
      if (e.process?.ppid !== 1 || p?.kind !== 'systemd' || e.chain?.reparented) return null;
      const s = e.manager?.service;
      const unit = e.cgroup?.unit;
      // Not the unit's main process: a start script's leftover, or a Type=forking daemon's other child.
      if (s && unit && s.mainPid !== e.process.pid) return leftIn(p, s, unit);
      return `it was started by ${nameOf(p)}, the service manager${unit ? `, as ${unit}` : ''}: its parent does not exit (stopping the unit is another matter)`;
    },
  },
  {
    code: 'parent.unit-unread',
    event: 'parent-exit',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      "It runs in a system service (or a user service of systemd --user), and the service manager's view of that unit (its main process and KillMode) was not read (the systemd-unit check did not run): whether its parent's exit stops the unit and kills the rest of its cgroup is unknown.",
    when: (e) =>
      withParent(e, (p) => {
        const cg = e.cgroup;
        const svc = cg?.systemdRunning && !e.manager ? serviceUnitOf(cg) : null;
        if (!svc) return null;
        const userUnit = svc.manager === 'user';
        const show = showCmd(e, svc, svc.unit, 'MainPID,KillMode');
        return `it runs in ${userUnit ? `${who(e)}'s user service ` : ''}${svc.unit}, whose main process and KillMode could not be read (the systemd-unit check did not run, so the service manager was not asked): if its parent ${nameOf(p)} is the unit's main process, its exit stops the unit and KillMode decides what else dies (${show})`;
      }),
  },
  {
    code: 'parent.unit-main-remains',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      'Its parent is the main process of the service it runs in (system or user manager), whose RemainAfterExit=yes: when the main process exits cleanly the unit stays active (SubState=exited) and systemd leaves its cgroup alone, so it runs on until the unit is stopped; a failing exit (non-zero status, a crash, a SIGKILL) still makes systemd kill the rest of the cgroup as KillMode says (systemd service.c service_enter_running).',
    when: (e) =>
      withUnitMain(e, (p, s, unit) => {
        if (s.remainAfterExit !== true) return null;
        return `its parent ${nameOf(p)} is the main process of ${unitWords(e, s, unit)}, whose RemainAfterExit=yes: when it exits cleanly (${cleanExit(s)}) the unit stays active (SubState=exited) and systemd signals nothing, so it runs on until ${stopWords(e, s, unit)}${failingExit(s)}`;
      }),
  },
  {
    code: 'parent.unit-main-cgroup',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      "Its parent is the main process of the service it runs in (system or user manager), whose ExitType=cgroup (systemd 250+): the unit stays active while any process remains in its cgroup, so the main process's clean exit stops nothing and it runs on until the unit is stopped; a failing exit (non-zero status, a crash, a SIGKILL) still makes systemd kill the rest of the cgroup as KillMode says (systemd service.c service_enter_running).",
    when: (e) =>
      withUnitMain(e, (p, s, unit) => {
        if (s.exitType !== 'cgroup') return null;
        return `its parent ${nameOf(p)} is the main process of ${unitWords(e, s, unit)}, whose ExitType=cgroup: the unit stays active while any process is left in its cgroup, so when the main process exits cleanly (${cleanExit(s)}) nothing signals it and it runs on until ${stopWords(e, s, unit)}${failingExit(s)}`;
      }),
  },
  {
    code: 'parent.unit-main-no-sigkill',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      'Its parent is the main process of the service it runs in, whose SendSIGKILL=no: when the main process exits the manager stops the unit, but with KillMode=mixed the rest of the cgroup would only get the final SIGKILL, which is not sent, and with KillMode=control-group a process that ignores SIGTERM outlives it; so it is left running (measured on systemd 252).',
    when: (e) =>
      withUnitMain(e, (p, s, unit) => {
        const mode = s.killMode ?? 'control-group';
        if (s.sendSigkill !== false) return null;
        if (mode === 'mixed')
          return `its parent ${nameOf(p)} is the main process of ${unitWords(e, s, unit)}, whose KillMode=mixed and SendSIGKILL=no: when it exits the manager stops the unit, SIGTERM goes to the main process only, and the SIGKILL that would end the rest of the cgroup is not sent, so it is left running in ${unit}`;
        if (mode === 'control-group' && e.signals?.term === 'ignored')
          return `its parent ${nameOf(p)} is the main process of ${unitWords(e, s, unit)}, whose SendSIGKILL=no: when it exits the manager stops the unit and SIGTERMs the rest of the cgroup, which it ignores (SigIgn), and no SIGKILL follows (after TimeoutStopSec= the unit just goes down), so it is left running in ${unit}`;
        return null;
      }),
  },
  {
    code: 'parent.unit-main',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    by: 'keeper',
    meaning:
      "Its parent is the main process of the service it runs in (a system service, or a user service of systemd --user): when that exits, the manager stops the unit and kills what is left of its cgroup as KillMode says (control-group: SIGTERM then SIGKILL after TimeoutStopSec; mixed: SIGKILL), so it ends with the service: the unit's own end, not a threat. KillMode=process or none, RemainAfterExit=yes and ExitType=cgroup have rules of their own.",
    when: (e) =>
      withUnitMain(e, (p, s, unit) => {
        const mode = s.killMode ?? 'control-group';
        if (mode === 'process' || mode === 'none') return null;
        const how =
          mode === 'mixed'
            ? 'SIGKILLs the rest of its cgroup'
            : 'SIGTERMs every process left in its cgroup (SIGKILL after TimeoutStopSec=)';
        // Only an unread Type/RemainAfterExit (an older or unreadable answer) leaves that exception open.
        const open =
          s.remainAfterExit === null
            ? `; it would run on only if the unit has RemainAfterExit=yes or ExitType=cgroup (${showCmd(e, s, unit, 'RemainAfterExit,ExitType')})`
            : '';
        return `its parent ${nameOf(p)} is the main process of ${unitWords(e, s, unit)}: when it exits, ${s.manager === 'user' ? 'the user manager' : 'systemd'} stops the unit and, as KillMode=${mode} says, ${how}, so it ends with the service (the unit's own end, not a threat)${mode === 'mixed' ? '' : sigtermNote(e, s)}${open}`;
      }),
  },
  {
    code: 'parent.unit-main-leaves',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      "Its parent is the main process of the service it runs in (system or user manager), whose KillMode is process or none: when the main process exits the manager stops the unit but signals nothing else, so it is left running in the unit's cgroup (until the unit starts again or is stopped with the cgroup killed).",
    when: (e) =>
      withUnitMain(e, (p, s, unit) => {
        if (s.killMode !== 'process' && s.killMode !== 'none') return null;
        return `its parent ${nameOf(p)} is the main process of ${unitWords(e, s, unit)}, whose KillMode=${s.killMode}: when it exits the manager stops the unit without signalling the rest of its cgroup, so it is left running there (a later start or stop of ${unit} may still end it)`;
      }),
  },
  {
    code: 'parent.user-manager',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'likely',
    by: 'keeper',
    meaning:
      "It is the main process of a user service, started by the user's manager (systemd --user, user@UID.service): that manager exits only when it is stopped (the user's last logout without lingering, `systemctl stop user@UID.service`, shutdown), and it stops its units first, so it ends with it: its keeper's end, not a threat (the session-end row says whether a logout stops the manager).",
    when: (e) => {
      const p = parentOf(e);
      const s = e.manager?.service;
      const unit = e.cgroup?.unit;
      if (!p || !e.process || p.kind !== 'systemd-user' || s?.manager !== 'user' || !unit) return null;
      if (s.mainPid !== e.process.pid) return null;
      return `it is the main process of ${unitWords(e, s, unit)}, started by ${nameOf(p)}: that manager exits only when it is stopped (${who(e)}'s last logout unless ${who(e)} lingers, \`systemctl stop user@${e.cgroup?.uid ?? 'UID'}.service\`, shutdown), and it stops its units first (SIGTERM as KillMode=${s.killMode ?? 'control-group'} says, SIGKILL after TimeoutStopSec=), so it ends with it (its keeper's end, not a threat)`;
    },
  },
  {
    code: 'parent.reparented',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'Its launcher is already gone: it was reparented to init or a subreaper.',
    when: (e) => {
      if (!e.process) return null;
      if (e.process.ppid <= 1)
        return `its launcher is already gone: it was reparented to init (ppid ${e.process.ppid}), so no launcher is left to exit`;
      const p = parentOf(e);
      if (e.chain?.reparented === 'subreaper' && p) {
        // Left in a user service (a start script's leftover, a forking daemon's other child): what ends it.
        const s = e.manager?.service;
        const unit = e.cgroup?.unit;
        const left = p.kind === 'systemd-user' && s?.manager === 'user' && unit ? `; ${userLeftover(s, unit)}` : '';
        return `its launcher is already gone: it was adopted by subreaper ${nameOf(p)}${left}`;
      }
      return null;
    },
  },
  {
    code: 'parent.stopped-job',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      'It is a stopped job of an interactive shell: the shell sends stopped jobs SIGTERM+SIGCONT when it exits, and the kernel SIGHUPs the orphaned group.',
    when: (e) =>
      withParent(e, (p) =>
        stoppedJobOf(e, p) && e.signals?.term === 'default'
          ? `it is a stopped job (state T) of ${nameOf(p)}: when that shell exits it sends its stopped jobs SIGTERM and SIGCONT, and the kernel sends the orphaned group SIGHUP and SIGCONT`
          : null,
      ),
  },
  {
    code: 'parent.stopped-job-continued',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      "It is a stopped job of an interactive shell and ignores SIGTERM: the shell's SIGTERM at its exit is discarded and its SIGCONT resumes the job, so the kernel finds no stopped member to SIGHUP when the group is orphaned; it runs on in the background.",
    when: (e) =>
      withParent(e, (p) =>
        stoppedJobOf(e, p) && e.signals?.term === 'ignored'
          ? `it is a stopped job (state T) of ${nameOf(p)} and ignores SIGTERM (SigIgn): when that shell exits it sends its stopped jobs SIGTERM, which is discarded, and SIGCONT, which resumes it (bash jobs.c terminate_stopped_jobs), so the group orphaned by the shell's exit has no stopped member and the kernel sends it nothing (kernel/exit.c kill_orphaned_pgrp); it runs on, reparented (its reads and, with tostop, writes on the terminal then fail with EIO)`
          : null,
      ),
  },
  {
    code: 'parent.stopped-job-handled',
    event: 'parent-exit',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      "It is a stopped job of an interactive shell and catches SIGTERM: the shell's SIGTERM and SIGCONT at its exit run its own handler, and the program decides.",
    when: (e) =>
      withParent(e, (p) =>
        stoppedJobOf(e, p) && e.signals?.term === 'caught'
          ? `it is a stopped job (state T) of ${nameOf(p)} and catches SIGTERM (SigCgt): when that shell exits it sends its stopped jobs SIGTERM and SIGCONT, so the job resumes into its own handler and the program decides (most clean up and exit; one that carries on runs in the background, reparented)`
          : null,
      ),
  },
  {
    code: 'parent.holds-terminal',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      'Its parent holds its terminal (sshd, a terminal emulator, script): when the parent exits the terminal hangs up and SIGHUP reaches it.',
    when: (e) =>
      withParent(e, (p) =>
        e.tty?.tty && e.tty.holder?.pid === p.pid && !hupIgnored(e)
          ? `its parent ${nameOf(p)} holds its terminal ${e.tty.tty}: when that parent exits the terminal hangs up and SIGHUP reaches it`
          : null,
      ),
  },
  {
    code: 'parent.controlling-foreground',
    event: 'parent-exit',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      'Its parent is the controlling process of its terminal and it is in the foreground group: the kernel SIGHUPs that group when the parent exits.',
    when: (e) =>
      withParent(e, (p) =>
        e.tty?.tty && e.tty.foreground && e.tty.sessionLeader?.pid === p.pid && !hupIgnored(e)
          ? `its parent ${nameOf(p)} is the controlling process of ${e.tty.tty} and it is in the foreground group: the kernel sends that group SIGHUP when the parent exits`
          : null,
      ),
  },
  // language runtimes: what a runtime's own exit code does to its children, where /proc shows its part. After
  // the kernel's certain rules (a stopped job, the terminal's controlling process), before the generic ones.
  ...runtimeParentExitRules,
  {
    code: 'parent.sighup-ignored',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'certain',
    meaning: "SIGHUP is ignored: whatever hangup its parent's exit causes has no effect.",
    when: (e) =>
      withParent(e, (p) =>
        hupIgnored(e)
          ? `SIGHUP is ignored, so neither huponexit nor a terminal hangup at the exit of ${nameOf(p)} affects it`
          : null,
      ),
  },
  {
    code: 'parent.login-shell-job',
    event: 'parent-exit',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'It is a job of an interactive login shell: with `shopt -s huponexit` the shell SIGHUPs its jobs when it exits, which /proc cannot show.',
    when: (e) =>
      withParent(e, (p) =>
        p.kind === 'interactive-shell' && isLoginShellArgv(p.argv ?? [])
          ? `its parent ${nameOf(p)} is an interactive login shell: it sends SIGHUP to its jobs when it exits only if \`shopt -s huponexit\` is set, which /proc cannot show (\`shopt huponexit\` in that shell tells)`
          : null,
      ),
  },
  {
    code: 'parent.reparent',
    event: 'parent-exit',
    outcome: 'survives',
    confidence: 'likely',
    meaning: 'When its parent exits it is reparented to init or a subreaper, and nothing signals it.',
    when: (e) =>
      withParent(
        e,
        (p) =>
          `when ${nameOf(p)} exits it is reparented to init or a subreaper, and nothing signals it${p.kind === 'interactive-shell' ? ' (huponexit applies only to login shells)' : ''}${reapsOnlyNote(p)}; a prctl parent-death signal would not be visible in /proc`,
      ),
  },
];
