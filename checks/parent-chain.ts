/**
 * parent-chain: who launched the target, up to pid 1, each ancestor classified.
 * Start times guard against recycled pids: a "parent" that started after its child is a different
 * process that inherited the number, and the walk must stop there rather than stitch a wrong chain.
 */
import type { Check, CheckContext } from '../src/engine/types';
import type { ProcStat } from '../src/source/types';
import { classifyProcess, type AncestorKind } from '../src/engine/classify';
import { PF_KTHREAD } from './existence';
import { classifyCgroupPath } from './cgroup';

export type AncestorEvidence = {
  pid: number;
  ppid: number;
  comm: string;
  argv: string[] | null;
  /** ISO 8601. */
  startTime: string;
  startTicks: number;
  kind: AncestorKind;
  label: string;
  pgid: number;
  sid: number;
  ttyNr: number;
};

export type ParentChainEvidence = {
  /** The target itself, classified the same way (its kind matters for the remedy and the verdict). */
  self: AncestorEvidence;
  /** Parent first, ending at pid 1 (or wherever the walk stopped). */
  ancestors: AncestorEvidence[];
  /** Where the walk stopped early, if it did. */
  stoppedAt: { pid: number; reason: 'recycled-pid' | 'gone' | 'loop' } | null;
  reparented: 'init' | 'subreaper' | null;
  ciRunner: { pid: number; comm: string; label: string } | null;
  /** Nearest interactive shell ancestor in the target's own session (it forwards SIGHUP to its jobs). */
  interactiveShell: { pid: number; comm: string } | null;
};

/** Classify one process from the facts (shared with the group/tty checks). */
export function describeProcess(ctx: CheckContext, stat: ProcStat): AncestorEvidence {
  const argvRead = ctx.facts.argv(stat.pid);
  const argv = argvRead.ok ? argvRead.value : null;
  const kernelThread = (stat.flags & PF_KTHREAD) !== 0 || stat.pid === 2 || stat.ppid === 2;
  const c = classifyProcess({ pid: stat.pid, comm: stat.comm, argv, ttyNr: stat.ttyNr, kernelThread });
  let startIso = '';
  try {
    const host = ctx.facts.host();
    startIso = new Date((host.bootTime + stat.startTime / host.clockTicks) * 1000).toISOString();
  } catch {
    startIso = '';
  }
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    comm: stat.comm,
    argv,
    startTime: startIso,
    startTicks: stat.startTime,
    kind: c.kind,
    label: c.label,
    pgid: stat.pgrp,
    sid: stat.session,
    ttyNr: stat.ttyNr,
  };
}

const SUBREAPER_KINDS: ReadonlySet<AncestorKind> = new Set<AncestorKind>(['systemd-user', 'container-init', 'systemd']);

export const parentChain: Check = {
  meta: {
    id: 'parent-chain',
    title: 'Parent chain',
    description: 'Ancestry up to pid 1 with start times; each ancestor classified (shell, sshd, tmux, CI runner, ...); reparenting and recycled pids.',
    requires: ['existence'],
    codes: {
      chain: 'Ancestry walked to pid 1.',
      'reparented-init': 'Its launcher exited: the process was reparented to init (ppid 1).',
      'reparented-subreaper': 'Its launcher exited: a subreaper (systemd --user, container init) adopted it.',
      'ci-runner-ancestor': 'A CI runner is an ancestor: it reaps leftover processes when the job ends.',
      'recycled-parent': 'An ancestor pid was recycled (it started after its child): the chain stops there.',
      'parent-gone': 'An ancestor vanished while the chain was read.',
      'kernel-thread': 'Kernel threads descend from kthreadd; no user ancestry.',
      'systemd-unit': 'A child of systemd (pid 1) inside one of its service units: the manager started it (nothing was reparented).',
    },
  },
  run(ctx) {
    const facts = ctx.facts;
    const selfRead = facts.stat(ctx.target.pid);
    if (!selfRead.ok) return { status: 'skip', code: 'parent-gone', summary: `Cannot read /proc/${ctx.target.pid}/stat: ${selfRead.message}` };
    const self = describeProcess(ctx, selfRead.value);
    const ancestors: AncestorEvidence[] = [];
    let stoppedAt: ParentChainEvidence['stoppedAt'] = null;
    const seen = new Set<number>([self.pid]);
    let child = selfRead.value;
    while (child.ppid > 0) {
      if (seen.has(child.ppid)) {
        stoppedAt = { pid: child.ppid, reason: 'loop' };
        break;
      }
      const parent = facts.stat(child.ppid);
      if (!parent.ok) {
        stoppedAt = { pid: child.ppid, reason: 'gone' };
        break;
      }
      if (parent.value.startTime > child.startTime) {
        stoppedAt = { pid: child.ppid, reason: 'recycled-pid' };
        break;
      }
      seen.add(parent.value.pid);
      ancestors.push(describeProcess(ctx, parent.value));
      child = parent.value;
    }
    const parent = ancestors[0] ?? null;
    let reparented: ParentChainEvidence['reparented'] = null;
    // A child of systemd inside a service unit was started by the manager, not left behind by a launcher.
    const unitOfInit = self.ppid === 1 && parent?.kind === 'systemd' ? serviceUnit(ctx) : null;
    if (self.ppid === 1 && self.pid !== 1 && !unitOfInit) reparented = 'init';
    else if (parent && SUBREAPER_KINDS.has(parent.kind) && parent.pid !== 1 && self.pgid !== parent.pid && self.pgid !== parent.pgid) {
      reparented = 'subreaper';
    }
    const ci = ancestors.find((a) => a.kind === 'ci-runner') ?? null;
    const ish = ancestors.find((a) => a.kind === 'interactive-shell' && a.sid === self.sid) ?? null;
    const evidence: ParentChainEvidence = {
      self,
      ancestors,
      stoppedAt,
      reparented,
      ciRunner: ci ? { pid: ci.pid, comm: ci.comm, label: ci.label } : null,
      interactiveShell: ish ? { pid: ish.pid, comm: ish.comm } : null,
    };
    const chainText = [self, ...ancestors].map((a) => `${a.comm}(${a.pid})`).join(' < ');
    const details = ancestors.map((a) => `${a.pid} ${a.label}, started ${a.startTime}`);
    if (stoppedAt?.reason === 'recycled-pid') details.push(`pid ${stoppedAt.pid} started after its child: it is a recycled pid, not the real parent; chain stops.`);
    if (stoppedAt?.reason === 'gone') details.push(`pid ${stoppedAt.pid} exited while the chain was read.`);

    if (self.kind === 'kernel-thread') {
      return { status: 'info', code: 'kernel-thread', summary: `Kernel thread: ${chainText}`, details, evidence };
    }
    if (stoppedAt?.reason === 'recycled-pid') {
      return { status: 'warn', code: 'recycled-parent', summary: `Parent pid ${stoppedAt.pid} was recycled: ${chainText}`, details, evidence };
    }
    if (ci) {
      return { status: 'warn', code: 'ci-runner-ancestor', summary: `Launched under a CI runner ${ci.label} (${ci.pid}): ${chainText}`, details, evidence };
    }
    if (stoppedAt?.reason === 'gone') {
      return { status: 'info', code: 'parent-gone', summary: `An ancestor exited during the read: ${chainText}`, details, evidence };
    }
    if (unitOfInit) {
      return { status: 'pass', code: 'systemd-unit', summary: `Started by systemd (pid 1) in ${unitOfInit}: ${chainText}`, details, evidence };
    }
    if (reparented === 'init') {
      return { status: 'info', code: 'reparented-init', summary: `Reparented to init (its launcher is gone): ${chainText}`, details, evidence };
    }
    if (reparented === 'subreaper' && parent) {
      return { status: 'info', code: 'reparented-subreaper', summary: `Adopted by subreaper ${parent.label} (${parent.pid}): ${chainText}`, details, evidence };
    }
    return { status: 'pass', code: 'chain', summary: parent ? `Parent ${parent.label} (${parent.pid}): ${chainText}` : chainText, details, evidence };
  },
};

/** The system service (or transient scope) the target runs in, from its cgroup; null otherwise. */
function serviceUnit(ctx: CheckContext): string | null {
  const cg = ctx.facts.cgroups(ctx.target.pid);
  if (!cg.ok) return null;
  for (const e of cg.value) {
    const c = classifyCgroupPath(e.path);
    if ((c.kind === 'service' || c.kind === 'user-scope') && c.unit) return c.unit;
  }
  return null;
}
