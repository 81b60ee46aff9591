/**
 * container-stop: the container or PID namespace it lives in stops. When a PID namespace's init exits
 * the kernel SIGKILLs every other process in it; a container runtime stopping a container kills its
 * cgroup. Neither setsid nor nohup helps: only running it outside (a host unit) or the container's
 * own restart policy does.
 */
import type { RiskEvidence, SurvivalRule } from './types';
import { termThenKillNote } from './dispositions';

/** pid 1 of the namespace whydied sees, when it is a container init (tools table role container-init). */
function containerInitOf(e: RiskEvidence): string | null {
  const chain = e.chain;
  if (!chain) return null;
  const one = chain.self.pid === 1 ? chain.self : chain.ancestors.find((a) => a.pid === 1);
  return one?.kind === 'container-init' ? `${one.comm} (pid 1)` : null;
}

/** Its own SIGTERM disposition does not matter to the kernel's SIGKILL of a namespace (zap_pid_ns_processes). */
function zapNote(e: RiskEvidence): string {
  const t = e.signals?.term;
  return t === 'ignored' || t === 'caught'
    ? `; SIGTERM is ${t === 'ignored' ? 'ignored' : 'caught'} here, but the kernel's SIGKILL at the init's exit (zap_pid_ns_processes) can be neither`
    : '';
}

/**
 * The namespace's init itself: a runtime's stop is SIGTERM then SIGKILL after a grace period (docker stop: 10 s,
 * -t); a namespace init even drops a SIGTERM it has no handler for (kernel/signal.c sig_task_ignored,
 * SIGNAL_UNKILLABLE), so only its handler or the SIGKILL ends it.
 */
function initStopNote(e: RiskEvidence): string {
  const t = e.signals?.term;
  if (t === 'caught')
    return '; it catches SIGTERM, so its handler decides how it ends, until the runtime follows with SIGKILL (docker stop: after 10 s)';
  return t === undefined
    ? ''
    : '; as a namespace init it drops a SIGTERM it has no handler for (kernel/signal.c sig_task_ignored), so the runtime ends it with SIGKILL after the grace period (docker stop: 10 s)';
}

export const containerStopRules: SurvivalRule[] = [
  {
    code: 'container.unread',
    event: 'container-stop',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'Its PID namespace could not be read.',
    when: (e) => (e.namespace ? null : 'its PID namespace (NSpid in /proc/PID/status) could not be read'),
  },
  {
    code: 'container.pid-namespace',
    event: 'container-stop',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      "It lives in a PID namespace of its own (a container): when that namespace's init exits, the kernel kills every process in it.",
    when: (e) => {
      const n = e.namespace;
      if (!n || n.depth <= 1) return null;
      const init = n.nsInit ? `${n.nsInit.comm} (pid ${n.nsInit.pid} here, pid 1 inside)` : 'its init (pid 1 inside)';
      const self = n.nsInit && e.process && n.nsInit.pid === e.process.pid;
      return self
        ? `it is the init (pid 1) of its own PID namespace (pid ${n.innerPid ?? '?'} inside): when it stops, the namespace ends; the container stops with it${initStopNote(e)}`
        : `it runs in a PID namespace of its own (it is pid ${n.innerPid ?? '?'} inside) whose init is ${init}: when that init exits or the container is stopped, the kernel kills every process in the namespace${zapNote(e)}`;
    },
  },
  {
    code: 'container.cgroup',
    event: 'container-stop',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'Its cgroup belongs to a container runtime (docker, containerd, cri-o, podman, lxc, kubepods): stopping the container kills its cgroup.',
    when: (e) =>
      e.namespace?.containerCgroup
        ? `its cgroup ${e.namespace.containerCgroup} belongs to a container: stopping that container kills every process in it${termThenKillNote(e, 'the container stop')}`
        : null,
  },
  {
    code: 'container.init',
    event: 'container-stop',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'Pid 1 of the PID namespace it shares with whydied is a container init (docker-init, tini, dumb-init, catatonit): whydied runs inside that container, and stopping it kills every process in it.',
    when: (e) => {
      const init = containerInitOf(e);
      return init
        ? `pid 1 here is ${init}, a container init: this is a container seen from inside, and when it is stopped (docker stop, the init exits) the kernel kills every process in its PID namespace; a relaunch inside the container (setsid, nohup, tmux) stops with it${zapNote(e)}`
        : null;
    },
  },
  {
    code: 'container.host',
    event: 'container-stop',
    outcome: 'survives',
    confidence: 'certain',
    meaning: "It runs in the host's PID namespace and no container cgroup: no container stop reaches it.",
    when: (e) =>
      e.namespace
        ? 'it runs in the same PID namespace as init and in no container cgroup: no container stop reaches it'
        : null,
  },
];
