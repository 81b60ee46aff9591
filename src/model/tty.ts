/**
 * The controlling terminal, whether the target is in its foreground group, and who holds the
 * terminal. The holder decides what "the SSH connection drops" means: an sshd-held pty hangs up,
 * a pty held by a detached tmux/screen server does not.
 *
 * The holder is found by what it does, not by its name: the process with the pty's master open
 * (/dev/ptmx with `tty-index: N` in its fdinfo). A pty hangs up only when its last master closes
 * (drivers/tty/pty.c pty_close -> tty_vhangup), so a master held by a daemon in a session of its own
 * (tmux, screen, dtach, abduco, or one nobody named) is a KEEPER: the user's hangup does not reach
 * its terminal. sshd and terminal emulators hold their masters for one connection or window: not keepers.
 */
import type { Facts, ProcStat, Read } from '../source/types';
import { fail, ok } from '../source/types';
import { DETACHABLE_KEEPERS, TERMINAL_HOLDERS, type AncestorKind } from './classify';
import { describeProcess } from './describe-process';
import type { CheckTarget } from './target';
import { ptsIndexOf } from '../source/pty-master';

export type TtyHolderKind =
  'sshd' | 'tmux-server' | 'screen-server' | 'terminal-emulator' | 'script' | 'other' | 'nobody';

type Someone = { pid: number; comm: string; kind: AncestorKind; label: string };

export type TtySection = {
  /** e.g. `pts/3`; null without a controlling terminal. */
  tty: string | null;
  ttyNr: number;
  tpgid: number;
  foreground: boolean;
  sessionLeader: Someone | null;
  holder: Someone | null;
  holderKind: TtyHolderKind | null;
  /** Is the holder a keeper (a daemon holding the pty master in a session of its own: tmux, screen, dtach, ...)? */
  multiplexer: boolean;
  /**
   * The process holding the master of its terminal (its controlling one, or else the pts its stdout or
   * stderr writes to); null when none could be seen (another user's fds, not root).
   */
  master: (Someone & { keeper: boolean; daemon: boolean }) | null;
  /** Without a controlling terminal: the pts (`pts/N`) its fd 1 or 2 still writes to; null otherwise. */
  stdioTerminal: string | null;
  /** That terminal was already hung up (`/dev/pts/N (deleted)`): its writes fail with EIO now. */
  stdioHungUp: boolean;
};

/** Holders that keep a pty for one connection or window only: its end is the user's hangup. */
const CONNECTION_HOLDERS: ReadonlySet<AncestorKind> = new Set<AncestorKind>(['sshd', 'terminal-emulator']);

/** The pid chain from `pid` upwards (itself first), stopping at init or an unreadable parent. */
function ancestry(facts: Facts, pid: number): number[] {
  const out: number[] = [];
  let cur = pid;
  for (let i = 0; i < MAX_WALK && cur > 1; i++) {
    out.push(cur);
    const s = facts.stat(cur);
    if (!s.ok) break;
    cur = s.value.ppid;
  }
  return out;
}

function isInit(facts: Facts, pid: number): boolean {
  if (pid === 1) return true;
  const st = facts.status(pid);
  return st.ok && st.value.nsPid.length > 1 && st.value.nsPid[st.value.nsPid.length - 1] === 1;
}

/** Who holds the master of pts `index`, and whether it is a keeper. */
function masterOf(facts: Facts, index: number, near: number): TtySection['master'] {
  const h = facts.ptyMaster(index, ancestry(facts, near));
  if (!h) return null;
  const st = facts.stat(h.pid);
  if (!st.ok) return null;
  const d = describeProcess(facts, st.value);
  // A daemon (daemon(3): fork, setsid, the parent exits): it is alone in a session of its own, has no controlling
  // terminal, and its parent is an init (pid 1 here or in its PID namespace), not a live launcher whose end
  // would be its own.
  // A double-forked daemon (fork, setsid, fork: mosh-server, daemon(3) users) is in a session whose leader
  // already exited: as much a session of its own.
  const sid = st.value.session;
  const leader = sid === h.pid ? null : facts.stat(sid);
  const leaderGone = sid !== h.pid && sid > 1 && !(leader?.ok && leader.value.session === sid);
  const ownSession = (sid === h.pid || leaderGone) && st.value.ttyNr === 0 && isInit(facts, st.value.ppid);
  return {
    pid: d.pid,
    comm: d.comm,
    kind: d.kind,
    label: d.label,
    daemon: ownSession,
    keeper: ownSession && !CONNECTION_HOLDERS.has(d.kind),
  };
}

/** The pts its fd 1 or 2 writes to (live or hung up). */
function stdioPts(facts: Facts, pid: number): { name: string; index: number; hungUp: boolean } | null {
  const r = facts.fds(pid);
  if (!r.ok) return null;
  for (const f of r.value) {
    if (f.fd === 0 || f.kind !== 'tty') continue;
    const index = ptsIndexOf(f.target);
    if (index !== null) return { name: `pts/${index}`, index, hungUp: f.hungUp === true };
  }
  return null;
}

const MAX_WALK = 64;

/** Walk from the session leader upwards to the first process that holds terminals for others. */
function findHolder(facts: Facts, leader: ProcStat): { stat: ProcStat; kind: AncestorKind; label: string } | null {
  let cur: ProcStat | null = leader;
  let firstParent: { stat: ProcStat; kind: AncestorKind; label: string } | null = null;
  for (let i = 0; cur && i < MAX_WALK; i++) {
    const d = describeProcess(facts, cur);
    if (TERMINAL_HOLDERS.has(d.kind)) return { stat: cur, kind: d.kind, label: d.label };
    if (i === 1) firstParent = { stat: cur, kind: d.kind, label: d.label };
    if (cur.ppid <= 1) break;
    const next = facts.stat(cur.ppid);
    if (!next.ok || next.value.startTime > cur.startTime) break;
    cur = next.value;
  }
  // No known holder: whoever started the session leader opened the pty master (python pty, an IDE, ...).
  return firstParent;
}

function holderKindOf(kind: AncestorKind): TtyHolderKind {
  switch (kind) {
    case 'sshd':
    case 'tmux-server':
    case 'screen-server':
    case 'terminal-emulator':
    case 'script':
      return kind;
    default:
      return 'other';
  }
}

export function deriveTty(facts: Facts, target: CheckTarget): Read<TtySection> {
  const p = facts.process(target.pid);
  if (!p) return fail('ENOENT', `Cannot read /proc/${target.pid}/stat.`);
  const s = p.stat;
  const base = { ttyNr: s.ttyNr, tpgid: s.tpgid };
  if (s.ttyNr === 0 || p.tty.name === null) {
    const out = stdioPts(facts, target.pid);
    const master = out && !out.hungUp ? masterOf(facts, out.index, target.pid) : null;
    return ok({
      ...base,
      tty: null,
      foreground: false,
      sessionLeader: null,
      holder: null,
      holderKind: null,
      multiplexer: master?.keeper ?? false,
      master,
      stdioTerminal: out?.name ?? null,
      stdioHungUp: out?.hungUp ?? false,
    });
  }
  const foreground = s.tpgid > 0 && s.tpgid === s.pgrp;
  const leaderRead = facts.stat(s.session);
  const leaderStat = leaderRead.ok && leaderRead.value.session === s.session ? leaderRead.value : null;
  const leaderD = leaderStat ? describeProcess(facts, leaderStat) : null;
  const sessionLeader = leaderD
    ? { pid: leaderD.pid, comm: leaderD.comm, kind: leaderD.kind, label: leaderD.label }
    : null;
  const h = leaderStat ? findHolder(facts, leaderStat) : null;
  const holder = h ? { pid: h.stat.pid, comm: h.stat.comm, kind: h.kind, label: h.label } : null;
  const holderKind: TtyHolderKind = !leaderStat ? 'nobody' : holder ? holderKindOf(holder.kind) : 'other';
  const index = ptsIndexOf(`/dev/${p.tty.name}`);
  const master = index !== null ? masterOf(facts, index, leaderStat ? leaderStat.pid : target.pid) : null;
  // The master's holder decides; by name only when no master could be seen.
  const multiplexer = master ? master.keeper : holder !== null && DETACHABLE_KEEPERS.has(holder.kind);
  return ok({
    ...base,
    tty: p.tty.name,
    foreground,
    sessionLeader,
    holder,
    holderKind,
    multiplexer,
    master,
    stdioTerminal: null,
    stdioHungUp: false,
  });
}
