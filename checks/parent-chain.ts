/**
 * parent-chain: who launched the target, up to pid 1, each ancestor classified.
 * Start times guard against recycled pids: a "parent" that started after its child is a different
 * process that inherited the number, and the walk must stop there rather than stitch a wrong chain.
 */
import type { Check } from '../src/engine/types';

export const parentChain: Check = {
  meta: {
    id: 'parent-chain',
    title: 'Parent chain',
    description:
      'Ancestry up to pid 1 with start times; each ancestor classified (shell, sshd, tmux, CI runner, ...); reparenting and recycled pids.',
    requires: ['existence'],
    codes: {
      chain: 'Ancestry walked to pid 1.',
      'reparented-init': 'Its launcher exited: the process was reparented to init (ppid 1).',
      'reparented-subreaper': 'Its launcher exited: a subreaper (systemd --user, container init) adopted it.',
      'ci-runner-ancestor': 'A CI runner is an ancestor: it reaps leftover processes when the job ends.',
      'recycled-parent': 'An ancestor pid was recycled (it started after its child): the chain stops there.',
      'parent-gone': 'An ancestor vanished while the chain was read.',
      'kernel-thread': 'Kernel threads descend from kthreadd; no user ancestry.',
      'systemd-unit':
        'A child of systemd (pid 1) inside one of its service units: the manager started it (nothing was reparented).',
    },
  },
  run(ctx) {
    const read = ctx.model.chain;
    if (!read.ok)
      return {
        status: 'skip',
        code: 'parent-gone',
        summary: `Cannot read /proc/${ctx.target.pid}/stat: ${read.message}`,
      };
    const { section: evidence, unitOfInit } = read.value;
    const { self, ancestors, stoppedAt, reparented } = evidence;
    const parent = ancestors[0] ?? null;
    const ci = evidence.ciRunner;
    const chainText = [self, ...ancestors].map((a) => `${a.comm}(${a.pid})`).join(' < ');
    const details = ancestors.map((a) => `${a.pid} ${a.label}, started ${a.startTime}`);
    if (stoppedAt?.reason === 'recycled-pid')
      details.push(
        `pid ${stoppedAt.pid} started after its child: it is a recycled pid, not the real parent; chain stops.`,
      );
    if (stoppedAt?.reason === 'gone') details.push(`pid ${stoppedAt.pid} exited while the chain was read.`);

    if (self.kind === 'kernel-thread') {
      return { status: 'info', code: 'kernel-thread', summary: `Kernel thread: ${chainText}`, details, evidence };
    }
    if (stoppedAt?.reason === 'recycled-pid') {
      return {
        status: 'warn',
        code: 'recycled-parent',
        summary: `Parent pid ${stoppedAt.pid} was recycled: ${chainText}`,
        details,
        evidence,
      };
    }
    if (ci) {
      return {
        status: 'warn',
        code: 'ci-runner-ancestor',
        summary: `Launched under a CI runner ${ci.label} (${ci.pid}): ${chainText}`,
        details,
        evidence,
      };
    }
    if (stoppedAt?.reason === 'gone') {
      return {
        status: 'info',
        code: 'parent-gone',
        summary: `An ancestor exited during the read: ${chainText}`,
        details,
        evidence,
      };
    }
    if (unitOfInit) {
      return {
        status: 'pass',
        code: 'systemd-unit',
        summary: `Started by systemd (pid 1) in ${unitOfInit}: ${chainText}`,
        details,
        evidence,
      };
    }
    if (reparented === 'init') {
      return {
        status: 'info',
        code: 'reparented-init',
        summary: `Reparented to init (its launcher is gone): ${chainText}`,
        details,
        evidence,
      };
    }
    if (reparented === 'subreaper' && parent) {
      return {
        status: 'info',
        code: 'reparented-subreaper',
        summary: `Adopted by subreaper ${parent.label} (${parent.pid}): ${chainText}`,
        details,
        evidence,
      };
    }
    return {
      status: 'pass',
      code: 'chain',
      summary: parent ? `Parent ${parent.label} (${parent.pid}): ${chainText}` : chainText,
      details,
      evidence,
    };
  },
};
