/**
 * tty: the controlling terminal, whether the target is in its foreground group, and who holds the
 * terminal. The holder decides what "the SSH connection drops" means: an sshd-held pty hangs up,
 * a pty held by a detached tmux/screen server does not.
 */
import type { Check } from '../src/engine/types';

export const tty: Check = {
  meta: {
    id: 'tty',
    title: 'Controlling terminal',
    description:
      'Controlling terminal from tty_nr, foreground or background, and who holds the terminal (sshd, tmux/screen server, terminal emulator, script, nobody).',
    requires: ['existence'],
    codes: {
      'no-tty': 'No controlling terminal: a terminal hangup cannot reach it.',
      'multiplexer-held':
        "Its terminal's pty master is held by a keeper (tmux, screen, dtach, abduco or any daemon in a session of its own), which survives the user disconnecting.",
      foreground: 'It is in the foreground process group of its terminal: a hangup signals it directly.',
      background: 'It is a background job on a terminal: its shell decides what a hangup does to it.',
      'holder-gone': 'Its session leader has exited: nobody holds the terminal any more.',
      unreadable: 'Its stat could not be read.',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const read = ctx.model.tty;
    if (!read.ok) return { status: 'info', code: 'unreadable', summary: read.message };
    const evidence = read.value;
    const s = ctx.facts.process(pid)?.stat;
    if (evidence.tty === null || !s) {
      const out = evidence.stdioTerminal
        ? evidence.stdioHungUp
          ? `; its output still goes to ${evidence.stdioTerminal}, which was hung up (writes fail with EIO)`
          : `; its output still goes to ${evidence.stdioTerminal}${evidence.master ? `, whose master ${evidence.master.label} (${evidence.master.pid}) holds` : ''}`
        : '';
      return { status: 'pass', code: 'no-tty', summary: `No controlling terminal (tty_nr 0)${out}.`, evidence };
    }
    const { tty: name, foreground, sessionLeader, holderKind, multiplexer, master } = evidence;
    // The pty master's holder is who really holds the terminal; the ancestor walk only when none was seen.
    const holder = master ?? evidence.holder;
    const details = [
      `Controlling terminal /dev/${name} (tty_nr ${s.ttyNr}); foreground group ${s.tpgid}, its group ${s.pgrp}.`,
      sessionLeader
        ? `Session leader: ${sessionLeader.label} (${sessionLeader.pid}).`
        : `Session leader ${s.session} has exited.`,
      master
        ? `Pty master held by ${master.label} (${master.pid})${master.keeper ? ', a daemon in a session of its own: a keeper' : ''}.`
        : holder
          ? `Terminal held by ${holder.label} (${holder.pid}) (its pty master could not be seen).`
          : 'No process holding the terminal was found.',
    ];
    if (holderKind === 'nobody') {
      return {
        status: 'warn',
        code: 'holder-gone',
        summary: `Terminal ${name}: its session leader ${s.session} has exited; the terminal is orphaned.`,
        details,
        evidence,
      };
    }
    if (multiplexer && holder) {
      return {
        status: 'pass',
        code: 'multiplexer-held',
        summary: `Terminal ${name} is held by ${holder.label} (${holder.pid}), which outlives a disconnect.`,
        details,
        evidence,
      };
    }
    const by = holder ? ` held by ${holder.label} (${holder.pid})` : '';
    if (foreground) {
      return {
        status: 'warn',
        code: 'foreground',
        summary: `Foreground on terminal ${name}${by}: a hangup sends it SIGHUP.`,
        details,
        evidence,
      };
    }
    return {
      status: 'info',
      code: 'background',
      summary: `Background job on terminal ${name}${by}.`,
      details,
      evidence,
    };
  },
};
