/**
 * The controlling terminal, whether the target is in its foreground group, and who holds the
 * terminal. The holder decides what "the SSH connection drops" means: an sshd-held pty hangs up,
 * a pty held by a detached tmux/screen server does not.
 */
import type { Facts, ProcStat, Read } from '../source/types';
import { fail, ok } from '../source/types';
import { DETACHABLE_KEEPERS, TERMINAL_HOLDERS, type AncestorKind } from './classify';
import { describeProcess } from './describe-process';
import type { CheckTarget } from './target';

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
  /** Is the holder a detachable keeper, tmux, screen or dtach (does it outlive the user's connection)? */
  multiplexer: boolean;
};

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
    return ok({
      ...base,
      tty: null,
      foreground: false,
      sessionLeader: null,
      holder: null,
      holderKind: null,
      multiplexer: false,
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
  const multiplexer = holder !== null && DETACHABLE_KEEPERS.has(holder.kind);
  return ok({ ...base, tty: p.tty.name, foreground, sessionLeader, holder, holderKind, multiplexer });
}
