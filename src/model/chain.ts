/**
 * Ancestry: who launched the target, up to pid 1, each ancestor classified. Start times guard against
 * recycled pids: a "parent" that started after its child is a different process that inherited the
 * number, and the walk stops there rather than stitch a wrong chain.
 */
import type { Facts, Read } from '../source/types';
import { fail, ok } from '../source/types';
import type { AncestorKind } from './classify';
import { classifyCgroupPath } from './cgroup-path';
import { serviceState } from './cgroup';
import { hasSignal } from './signals';
import { describeProcess, type ProcessDescription } from './describe-process';
import type { CheckTarget } from './target';

export type ChainSection = {
  /** The target itself, classified the same way (its kind matters for the remedy and the verdict). */
  self: ProcessDescription;
  /** Parent first, ending at pid 1 (or wherever the walk stopped). */
  ancestors: ProcessDescription[];
  /** Where the walk stopped early, if it did. */
  stoppedAt: { pid: number; reason: 'recycled-pid' | 'gone' | 'loop' } | null;
  reparented: 'init' | 'subreaper' | null;
  ciRunner: { pid: number; comm: string; label: string } | null;
  /**
   * Nearest interactive shell ancestor in the target's own session (it forwards SIGHUP to its jobs), and
   * whether it catches SIGHUP (SigCgt): a shell that does not (dash, busybox ash) cannot resend it to its jobs.
   */
  interactiveShell: { pid: number; comm: string; hupCaught?: boolean | null } | null;
  /**
   * Its parent when it is a worker of that parent's pool: the same executable, holding the same listening TCP
   * socket as the parent (gunicorn's and nginx's forked copies, uvicorn's multiprocessing-spawned workers).
   * A per-connection child (socat fork, tcpserver, inetd) holds only its connection, not the listener.
   */
  preforkMaster?: { pid: number; port: number } | null;
  /** Whether its parent catches SIGTERM (SigCgt): a keeper that does not dies of it without stopping anything. */
  parentTermCaught?: boolean | null;
  /**
   * Its parent catches SIGTERM and every real-time signal from 35 to 64 (SigCgt), as the Go runtime's initsig
   * (runtime/signal_unix.go) installs its handler for them: a Go program, whose exec.CommandContext kills the
   * child when its context ends. A mask, not a name (a program could install the same handlers itself).
   */
  parentGoRuntime?: boolean | null;
};

export interface Chain {
  section: ChainSection;
  /** The system service systemd (pid 1) started it in; null when it is no child of pid 1 there. */
  unitOfInit: string | null;
}

const SUBREAPER_KINDS: ReadonlySet<AncestorKind> = new Set<AncestorKind>(['systemd-user', 'container-init', 'systemd']);

/** `askManager`: whether a user unit's manager may be asked whether it started the target (systemd-unit runs). */
export function deriveChain(
  facts: Facts,
  target: CheckTarget,
  opts: { askManager: boolean } = { askManager: true },
): Read<Chain> {
  const selfRead = facts.stat(target.pid);
  if (!selfRead.ok) return fail(selfRead.code, selfRead.message);
  const self = describeProcess(facts, selfRead.value);
  const ancestors: ProcessDescription[] = [];
  let stoppedAt: ChainSection['stoppedAt'] = null;
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
    ancestors.push(describeProcess(facts, parent.value));
    child = parent.value;
  }
  const parent = ancestors[0] ?? null;
  let reparented: ChainSection['reparented'] = null;
  // A child of systemd inside a service unit was started by the manager, not left behind by a launcher.
  const unitOfInit = self.ppid === 1 && parent?.kind === 'systemd' ? serviceUnit(facts, target.pid) : null;
  if (self.ppid === 1 && self.pid !== 1 && !unitOfInit) reparented = 'init';
  else if (
    parent &&
    SUBREAPER_KINDS.has(parent.kind) &&
    parent.pid !== 1 &&
    self.pgid !== parent.pid &&
    self.pgid !== parent.pgid &&
    !launchedBy(parent.argv, self.argv) &&
    !(parent.kind === 'systemd-user' && opts.askManager && userUnitMain(facts, target.pid))
  ) {
    reparented = 'subreaper';
  }
  const ci = ancestors.find((a) => a.kind === 'ci-runner') ?? null;
  const ish = ancestors.find((a) => a.kind === 'interactive-shell' && a.sid === self.sid) ?? null;
  return ok({
    section: {
      self,
      ancestors,
      stoppedAt,
      reparented,
      ciRunner: ci ? { pid: ci.pid, comm: ci.comm, label: ci.label } : null,
      interactiveShell: ish ? { pid: ish.pid, comm: ish.comm, hupCaught: caught(facts, ish.pid, 1) } : null,
      preforkMaster: parent ? preforkMaster(facts, self, parent) : null,
      parentTermCaught: parent ? caught(facts, parent.pid, 15) : null,
      parentGoRuntime: parent ? goRuntimeMask(facts, parent.pid) : null,
    },
    unitOfInit,
  });
}

/**
 * Did this parent start the child itself? A container init (tini, dumb-init, catatonit) runs the command
 * its own argv ends with, in a group of its own: that child was launched, not adopted. Compared by the
 * basename of the program and the arguments that follow it.
 */
function launchedBy(parentArgv: readonly string[] | null, childArgv: readonly string[] | null): boolean {
  if (!parentArgv || !childArgv || childArgv.length === 0) return false;
  const base = (x: string): string => x.slice(x.lastIndexOf('/') + 1);
  const tail = childArgv.slice(1);
  for (let i = 1; i + tail.length < parentArgv.length + 1; i++) {
    if (base(parentArgv[i]) !== base(childArgv[0])) continue;
    if (tail.every((a, j) => parentArgv[i + 1 + j] === a) && i + 1 + tail.length === parentArgv.length) return true;
  }
  return false;
}

/** Does the process catch signal `sig` (its bit in SigCgt)? null when its status cannot be read. */
function caught(facts: Facts, pid: number, sig: number): boolean | null {
  const st = facts.status(pid);
  return st.ok ? hasSignal(st.value.sigCgt, sig) : null;
}

/** SIGTERM and every real-time signal 35..64 caught: the Go runtime's handlers (glibc keeps 32-34 for itself). */
function goRuntimeMask(facts: Facts, pid: number): boolean | null {
  const st = facts.status(pid);
  if (!st.ok) return null;
  const rt = ((1n << 30n) - 1n) << 34n; // bits 34..63: signals 35..64
  return (st.value.sigCgt & rt) === rt && hasSignal(st.value.sigCgt, 15);
}

/** The same executable, and a listening TCP socket both hold: a worker of `parent`'s pool. */
function preforkMaster(
  facts: Facts,
  self: ProcessDescription,
  parent: ProcessDescription,
): ChainSection['preforkMaster'] {
  const exe = (pid: number): string | null => {
    const r = facts.process(pid)?.exe;
    return r?.ok ? r.value : null;
  };
  const selfExe = exe(self.pid);
  if (!selfExe || selfExe !== exe(parent.pid)) return null;
  const sockets = (pid: number): Set<number> => {
    const r = facts.fds(pid, true);
    return new Set(r.ok ? r.value.filter((f) => f.kind === 'socket' && f.inode).map((f) => f.inode as number) : []);
  };
  const mine = sockets(self.pid);
  if (mine.size === 0) return null;
  const theirs = sockets(parent.pid);
  const shared = facts.tcpListeners().find((l) => mine.has(l.inode) && theirs.has(l.inode));
  return shared ? { pid: parent.pid, port: shared.port } : null;
}

/**
 * The system service the target runs in, from its cgroup; null otherwise. Not a scope: systemd forks no
 * process into a scope (systemd.scope(5): a scope's processes are started elsewhere and moved in, as
 * `systemd-run --scope` execs the command itself), so a scope's child of pid 1 was reparented there.
 */
function serviceUnit(facts: Facts, pid: number): string | null {
  const cg = facts.cgroups(pid);
  if (!cg.ok) return null;
  for (const e of cg.value) {
    const c = classifyCgroupPath(e.path);
    if (c.kind === 'service' && c.unit) return c.unit;
  }
  return null;
}

/**
 * Is it the main process of the user service it runs in (asked of that user's manager, the same memoised
 * read the cgroup model makes)? Then systemd --user started it: it was not adopted.
 */
function userUnitMain(facts: Facts, pid: number): boolean {
  const cg = facts.cgroups(pid);
  if (!cg.ok) return false;
  for (const e of cg.value) {
    const c = classifyCgroupPath(e.path);
    if (c.kind !== 'user-manager' || c.uid === null || !c.unit?.endsWith('.service')) continue;
    // Null for the manager's own unit (user@UID.service): nothing it runs there is a service's main process.
    const s = serviceState(facts, c);
    return s?.manager === 'user' && s.mainPid === pid;
  }
  return false;
}
