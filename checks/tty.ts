/**
 * tty: the controlling terminal, whether the target is in its foreground group, and who holds the
 * terminal. The holder decides what "the SSH connection drops" means: an sshd-held pty hangs up,
 * a pty held by a detached tmux/screen server does not.
 */
import type { Check, CheckContext } from '../src/engine/types';
import type { ProcStat } from '../src/source/types';
import { TERMINAL_HOLDERS, type AncestorKind } from '../src/engine/classify';
import { describeProcess } from './parent-chain';

export type TtyHolderKind = 'sshd' | 'tmux-server' | 'screen-server' | 'terminal-emulator' | 'script' | 'other' | 'nobody';

export type TtyEvidence = {
  /** e.g. `pts/3`; null without a controlling terminal. */
  tty: string | null;
  ttyNr: number;
  tpgid: number;
  foreground: boolean;
  sessionLeader: { pid: number; comm: string; kind: AncestorKind; label: string } | null;
  holder: { pid: number; comm: string; kind: AncestorKind; label: string } | null;
  holderKind: TtyHolderKind | null;
  /** Is the holder a tmux or screen server (does it outlive the user's connection)? */
  multiplexer: boolean;
};

const MAX_WALK = 64;

/** Walk from the session leader upwards to the first process that holds terminals for others. */
function findHolder(ctx: CheckContext, leader: ProcStat): { stat: ProcStat; kind: AncestorKind; label: string } | null {
  let cur: ProcStat | null = leader;
  let firstParent: { stat: ProcStat; kind: AncestorKind; label: string } | null = null;
  for (let i = 0; cur && i < MAX_WALK; i++) {
    const d = describeProcess(ctx, cur);
    if (TERMINAL_HOLDERS.has(d.kind)) return { stat: cur, kind: d.kind, label: d.label };
    if (i === 1) firstParent = { stat: cur, kind: d.kind, label: d.label };
    if (cur.ppid <= 1) break;
    const next = ctx.facts.stat(cur.ppid);
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

export const tty: Check = {
  meta: {
    id: 'tty',
    title: 'Controlling terminal',
    description: 'Controlling terminal from tty_nr, foreground or background, and who holds the terminal (sshd, tmux/screen server, terminal emulator, script, nobody).',
    requires: ['existence'],
    codes: {
      'no-tty': 'No controlling terminal: a terminal hangup cannot reach it.',
      'multiplexer-held': 'Its terminal is held by a tmux or screen server, which survives the user disconnecting.',
      foreground: 'It is in the foreground process group of its terminal: a hangup signals it directly.',
      background: 'It is a background job on a terminal: its shell decides what a hangup does to it.',
      'holder-gone': 'Its session leader has exited: nobody holds the terminal any more.',
      unreadable: 'Its stat could not be read.',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const p = ctx.facts.process(pid);
    if (!p) return { status: 'info', code: 'unreadable', summary: `Cannot read /proc/${pid}/stat.` };
    const s = p.stat;
    const base = { ttyNr: s.ttyNr, tpgid: s.tpgid };
    if (s.ttyNr === 0 || p.tty.name === null) {
      const evidence: TtyEvidence = { ...base, tty: null, foreground: false, sessionLeader: null, holder: null, holderKind: null, multiplexer: false };
      return { status: 'pass', code: 'no-tty', summary: 'No controlling terminal (tty_nr 0).', evidence };
    }
    const name = p.tty.name;
    const foreground = s.tpgid > 0 && s.tpgid === s.pgrp;
    const leaderRead = ctx.facts.stat(s.session);
    const leaderStat = leaderRead.ok && leaderRead.value.session === s.session ? leaderRead.value : null;
    const leaderD = leaderStat ? describeProcess(ctx, leaderStat) : null;
    const sessionLeader = leaderD ? { pid: leaderD.pid, comm: leaderD.comm, kind: leaderD.kind, label: leaderD.label } : null;
    const h = leaderStat ? findHolder(ctx, leaderStat) : null;
    const holder = h ? { pid: h.stat.pid, comm: h.stat.comm, kind: h.kind, label: h.label } : null;
    const holderKind: TtyHolderKind = !leaderStat ? 'nobody' : holder ? holderKindOf(holder.kind) : 'other';
    const multiplexer = holderKind === 'tmux-server' || holderKind === 'screen-server';
    const evidence: TtyEvidence = { ...base, tty: name, foreground, sessionLeader, holder, holderKind, multiplexer };
    const details = [
      `Controlling terminal /dev/${name} (tty_nr ${s.ttyNr}); foreground group ${s.tpgid}, its group ${s.pgrp}.`,
      sessionLeader ? `Session leader: ${sessionLeader.label} (${sessionLeader.pid}).` : `Session leader ${s.session} has exited.`,
      holder ? `Terminal held by ${holder.label} (${holder.pid}).` : 'No process holding the terminal was found.',
    ];
    if (holderKind === 'nobody') {
      return { status: 'warn', code: 'holder-gone', summary: `Terminal ${name}: its session leader ${s.session} has exited; the terminal is orphaned.`, details, evidence };
    }
    if (multiplexer && holder) {
      return { status: 'pass', code: 'multiplexer-held', summary: `Terminal ${name} is held by ${holder.label} (${holder.pid}), which outlives a disconnect.`, details, evidence };
    }
    const by = holder ? ` held by ${holder.label} (${holder.pid})` : '';
    if (foreground) {
      return { status: 'warn', code: 'foreground', summary: `Foreground on terminal ${name}${by}: a hangup sends it SIGHUP.`, details, evidence };
    }
    return { status: 'info', code: 'background', summary: `Background job on terminal ${name}${by}.`, details, evidence };
  },
};
