/**
 * namespace: does the target live in a container — a PID namespace of its own below the one whydied
 * sees, or a container runtime's cgroup? A namespace dies with its init: the kernel SIGKILLs every
 * other member when pid 1 inside exits, whatever nohup or setsid did.
 */
import type { Check } from '../src/engine/types';

export const namespace: Check = {
  meta: {
    id: 'namespace',
    title: 'Container and PID namespace',
    description:
      "Whether it runs in a PID namespace of its own (NSpid) or a container runtime cgroup, and which process is that namespace's init.",
    requires: ['existence'],
    codes: {
      host: 'It runs in the same PID namespace as whydied and in no container cgroup.',
      'pid-namespace': "It runs in a PID namespace of its own: it dies when that namespace's init exits.",
      'container-cgroup': "It runs in a container runtime's cgroup: stopping the container kills it.",
      unreadable: '/proc/PID/status could not be read.',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const read = ctx.model.namespace;
    if (!read.ok)
      return { status: 'info', code: 'unreadable', summary: `Could not read /proc/${pid}/status (${read.code}).` };
    const { section: evidence, nsPids: ns } = read.value;
    const { depth, containerCgroup } = evidence;
    const details = [`NSpid: ${ns.join(' ')}${depth > 1 ? ` (pid ${evidence.innerPid} inside its namespace)` : ''}.`];
    if (evidence.nsInit) details.push(`Namespace init: ${evidence.nsInit.comm} (${evidence.nsInit.pid}).`);
    if (containerCgroup) details.push(`Container cgroup: ${containerCgroup}.`);
    const c = evidence.container;
    if (c)
      details.push(
        `Container: ${c.runtime}${c.id ? ` ${c.id.slice(0, 12)}` : ''}${c.pod ? `, pod uid ${c.pod.uid}` : ''}.`,
      );
    if (depth > 1) {
      const init = evidence.nsInit ? ` whose init is ${evidence.nsInit.comm} (${evidence.nsInit.pid})` : '';
      return {
        status: 'info',
        code: 'pid-namespace',
        summary: `Runs in a PID namespace of its own (pid ${evidence.innerPid} inside)${init}.`,
        details,
        evidence,
      };
    }
    if (containerCgroup)
      return {
        status: 'info',
        code: 'container-cgroup',
        summary: `Runs in container cgroup ${containerCgroup}.`,
        details,
        evidence,
      };
    return {
      status: 'pass',
      code: 'host',
      summary: 'Runs in the host PID namespace, in no container cgroup.',
      details,
      evidence,
    };
  },
};
