/**
 * Containment: does the target live in a container — a PID namespace of its own below the one
 * whydied sees, or a container runtime's cgroup? A namespace dies with its init: the kernel SIGKILLs
 * every other member when pid 1 inside exits, whatever nohup or setsid did.
 */
import type { Facts, Read } from '../source/types';
import { ok } from '../source/types';
import { containerFromCgroup, type ContainerIdentity } from '../source/container-id';
import { classifyCgroupPath } from './cgroup-path';

export type NamespaceSection = {
  /** NSpid entries: 1 = the PID namespace whydied itself sees; more = nested namespaces. */
  depth: number;
  /** Its pid inside its innermost namespace (NSpid's last entry). */
  innerPid: number | null;
  /** The innermost namespace's init, as pid here, when found among its ancestors (or itself). */
  nsInit: { pid: number; comm: string } | null;
  /**
   * Its parent is pid 1 of its (nested) PID namespace: when that init exits, zap_pid_ns_processes
   * (kernel/pid_namespace.c) SIGKILLs every other process of the namespace.
   */
  parentIsNsInit: boolean;
  /** The cgroup path that marks a container runtime (docker, containerd, cri-o, podman, lxc, kubepods). */
  containerCgroup: string | null;
  /** Runtime, container id and Kubernetes pod uid parsed from that path; null on the host. */
  container: ContainerIdentity | null;
};

export interface Namespace {
  section: NamespaceSection;
  /** The NSpid list as read (its own pid alone when the kernel prints none). */
  nsPids: number[];
}

const MAX_WALK = 64;

/** Walk up from the target to the process that is pid 1 of the same innermost namespace. */
function findNsInit(facts: Facts, pid: number, depth: number): NamespaceSection['nsInit'] {
  let cur = pid;
  for (let i = 0; i < MAX_WALK && cur > 0; i++) {
    const st = facts.status(cur);
    const stat = facts.stat(cur);
    if (!st.ok || !stat.ok || st.value.nsPid.length !== depth) return null;
    if (st.value.nsPid[depth - 1] === 1) return { pid: cur, comm: stat.value.comm };
    cur = stat.value.ppid;
  }
  return null;
}

export function deriveNamespace(facts: Facts, pid: number): Read<Namespace> {
  const st = facts.status(pid);
  if (!st.ok) return st;
  const ns = st.value.nsPid.length > 0 ? st.value.nsPid : [pid];
  const depth = ns.length;
  const groups = facts.cgroups(pid);
  const containerCgroup = groups.ok
    ? (groups.value.map((g) => g.path).find((p) => classifyCgroupPath(p).kind === 'container') ?? null)
    : null;
  const nsInit = depth > 1 ? findNsInit(facts, pid, depth) : null;
  const self = facts.stat(pid);
  return ok({
    section: {
      depth,
      innerPid: ns[depth - 1] ?? null,
      nsInit,
      parentIsNsInit: nsInit !== null && self.ok && nsInit.pid !== pid && self.value.ppid === nsInit.pid,
      containerCgroup,
      container: groups.ok
        ? (groups.value.map((g) => containerFromCgroup(g.path)).find((c) => c !== null) ?? null)
        : null,
    },
    nsPids: ns,
  });
}
