/**
 * namespace: does the target live in a container — a PID namespace of its own below the one whydied
 * sees, or a container runtime's cgroup? A namespace dies with its init: the kernel SIGKILLs every
 * other member when pid 1 inside exits, whatever nohup or setsid did.
 */
import type { Check, CheckContext } from '../src/engine/types';
import { classifyCgroupPath } from './cgroup';

export type NamespaceEvidence = {
  /** NSpid entries: 1 = the PID namespace whydied itself sees; more = nested namespaces. */
  depth: number;
  /** Its pid inside its innermost namespace (NSpid's last entry). */
  innerPid: number | null;
  /** The innermost namespace's init, as pid here, when found among its ancestors (or itself). */
  nsInit: { pid: number; comm: string } | null;
  /** The cgroup path that marks a container runtime (docker, containerd, cri-o, podman, lxc, kubepods). */
  containerCgroup: string | null;
};

const MAX_WALK = 64;

/** Walk up from the target to the process that is pid 1 of the same innermost namespace. */
function findNsInit(ctx: CheckContext, pid: number, depth: number): NamespaceEvidence['nsInit'] {
  let cur = pid;
  for (let i = 0; i < MAX_WALK && cur > 0; i++) {
    const st = ctx.facts.status(cur);
    const stat = ctx.facts.stat(cur);
    if (!st.ok || !stat.ok || st.value.nsPid.length !== depth) return null;
    if (st.value.nsPid[depth - 1] === 1) return { pid: cur, comm: stat.value.comm };
    cur = stat.value.ppid;
  }
  return null;
}

export const namespace: Check = {
  meta: {
    id: 'namespace',
    title: 'Container and PID namespace',
    description: 'Whether it runs in a PID namespace of its own (NSpid) or a container runtime cgroup, and which process is that namespace\'s init.',
    requires: ['existence'],
    codes: {
      host: 'It runs in the same PID namespace as whydied and in no container cgroup.',
      'pid-namespace': 'It runs in a PID namespace of its own: it dies when that namespace\'s init exits.',
      'container-cgroup': 'It runs in a container runtime\'s cgroup: stopping the container kills it.',
      unreadable: '/proc/PID/status could not be read.',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const st = ctx.facts.status(pid);
    if (!st.ok) return { status: 'info', code: 'unreadable', summary: `Could not read /proc/${pid}/status (${st.code}).` };
    const ns = st.value.nsPid.length > 0 ? st.value.nsPid : [pid];
    const depth = ns.length;
    const groups = ctx.facts.cgroups(pid);
    const containerCgroup = groups.ok ? groups.value.map((g) => g.path).find((p) => classifyCgroupPath(p).kind === 'container') ?? null : null;
    const evidence: NamespaceEvidence = {
      depth,
      innerPid: ns[depth - 1] ?? null,
      nsInit: depth > 1 ? findNsInit(ctx, pid, depth) : null,
      containerCgroup,
    };
    const details = [`NSpid: ${ns.join(' ')}${depth > 1 ? ` (pid ${evidence.innerPid} inside its namespace)` : ''}.`];
    if (evidence.nsInit) details.push(`Namespace init: ${evidence.nsInit.comm} (${evidence.nsInit.pid}).`);
    if (containerCgroup) details.push(`Container cgroup: ${containerCgroup}.`);
    if (depth > 1) {
      const init = evidence.nsInit ? ` whose init is ${evidence.nsInit.comm} (${evidence.nsInit.pid})` : '';
      return { status: 'info', code: 'pid-namespace', summary: `Runs in a PID namespace of its own (pid ${evidence.innerPid} inside)${init}.`, details, evidence };
    }
    if (containerCgroup) return { status: 'info', code: 'container-cgroup', summary: `Runs in container cgroup ${containerCgroup}.`, details, evidence };
    return { status: 'pass', code: 'host', summary: 'Runs in the host PID namespace, in no container cgroup.', details, evidence };
  },
};
