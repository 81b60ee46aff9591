/**
 * terminal-hangup: the terminal goes away (the SSH connection drops, the terminal window closes).
 *
 * What the kernel and bash really do (seen with tracefs on a real sshd): the pty hangup signals only
 * the session leader (SIGHUP+SIGCONT); an interactive bash then forwards SIGHUP with kill() to every
 * job in its job table, except disowned ones; when the controlling process exits the kernel SIGHUPs
 * the foreground group, and any newly orphaned group with a stopped member. A process outside those
 * (a `(cmd &)` grandchild, a runner's leftover) gets nothing.
 *
 * Sources: drivers/tty/tty_io.c (__tty_hangup -> tty_signal_session_leader: SIGHUP+SIGCONT to the session
 * leader only; disassociate_ctty on the controlling process's exit: SIGHUP to the foreground group),
 * drivers/tty/pty.c (pty_close: the slave hangs up when the last master closes, so the master's holder
 * decides), kernel/exit.c (kill_orphaned_pgrp), bash jobs.c (hangup_all_jobs at SIGHUP skips J_NOHUP
 * jobs, which `disown -h` marks; `disown` removes the job from the table, which /proc cannot show).
 */
import type { SurvivalRule, RiskEvidence } from './types';
import type { PeerSection as PeerEvidence } from '../../model/stdio';

/** Survivors still writing to the terminal get EIO: worth saying, not a death. */
function ttyWriteCaveat(e: RiskEvidence): string {
  const fds = (e.stdio?.ttyFds ?? []).filter((fd) => fd > 0);
  return fds.length > 0 ? `; fd ${fds.join(', ')} is still the terminal, so its writes will fail with EIO` : '';
}

/** Readers of its stdout/stderr pipes that are in its own group (pipeline mates) and do not ignore SIGHUP. */
function hangupPipeReaders(e: RiskEvidence): PeerEvidence[] {
  const out: PeerEvidence[] = [];
  const pgid = e.group?.pgid;
  if (e.signals?.pipe !== 'default' || pgid === undefined) return out;
  for (const f of e.stdio?.fds ?? []) {
    if (f.fd === 0 || f.kind !== 'pipe' || !f.peers) continue;
    const readers = f.peers.filter((p) => p.mode !== 'w');
    // Every reader must die for the write to fail: one surviving reader keeps the pipe open.
    if (readers.length > 0 && readers.every((r) => r.pgid === pgid && r.hup === 'default')) out.push(...readers);
  }
  return out;
}

const readersText = (rs: PeerEvidence[]): string => rs.map((r) => `${r.comm} (pid ${r.pid})`).join(', ');

const shellSelf = (e: RiskEvidence): boolean =>
  e.chain?.self.kind === 'interactive-shell' || e.chain?.self.kind === 'shell';
const onTty = (e: RiskEvidence): boolean => e.tty !== null && e.tty.tty !== null;
const isStopped = (e: RiskEvidence): boolean => e.existence?.stateLetter === 'T';

/** The keeper holding its terminal's pty master (by what the holder does), or by name when no master was seen. */
function keeperText(e: RiskEvidence): string | null {
  const t = e.tty;
  if (!t?.multiplexer) return null;
  const term = t.tty ?? t.stdioTerminal ?? 'its terminal';
  if (t.master)
    return `the master of its terminal ${term} is held by ${t.master.label} (pid ${t.master.pid}), a daemon in a session of its own (a keeper, like tmux, screen or dtach): the pty hangs up only when that holder closes it, not when the user's connection or window goes (the keeper's own end, its window killed or its server stopped, would hang it up: not a threat)`;
  return t.holder
    ? `its terminal ${term} belongs to the ${t.holder.label} (pid ${t.holder.pid}), which keeps running when the SSH connection or terminal goes`
    : null;
}

export const terminalHangupRules: SurvivalRule[] = [
  {
    code: 'hangup.unread',
    event: 'terminal-hangup',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'Its controlling terminal or signal dispositions could not be read.',
    when: (e) =>
      !e.tty
        ? 'its controlling terminal could not be read'
        : onTty(e) && !e.signals
          ? `it is on terminal ${e.tty.tty} but its signal dispositions could not be read`
          : null,
  },
  {
    code: 'hangup.multiplexer',
    event: 'terminal-hangup',
    outcome: 'survives',
    confidence: 'certain',
    meaning:
      "Its terminal's pty master is held by a keeper (a daemon in a session of its own: tmux, screen, dtach, abduco, or any other): the user's hangup does not reach that terminal.",
    when: (e) => keeperText(e),
  },
  {
    code: 'hangup.writes-to-terminal',
    event: 'terminal-hangup',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'It has no controlling terminal (no SIGHUP comes), but its output still goes to a terminal that hangs up (or already did): each write then fails with EIO, and the program decides what that does.',
    when: (e) => {
      const t = e.tty;
      if (!t || t.tty !== null || !t.stdioTerminal) return null;
      const fds = (e.stdio?.fds ?? []).filter((f) => f.fd > 0 && f.kind === 'tty').map((f) => f.fd);
      const which = fds.length > 0 ? `fd ${fds.join(', ')}` : 'its output';
      return t.stdioHungUp
        ? `it has no controlling terminal, but ${which} is ${t.stdioTerminal}, which was already hung up: every write fails with EIO (tty_io.c hung_up_tty_write), and the program decides what a failed write does (many ignore it, some exit, a shell loop may spin)`
        : `it has no controlling terminal, so no SIGHUP reaches it, but ${which} still writes to ${t.stdioTerminal}${t.master ? `, whose master ${t.master.label} (pid ${t.master.pid}) holds for this connection` : ''}: after the hangup every write fails with EIO, and the program decides what a failed write does (many ignore it, some exit)`;
    },
  },
  {
    code: 'hangup.no-tty',
    event: 'terminal-hangup',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'It has no controlling terminal: no hangup is delivered to it.',
    when: (e) =>
      e.tty && e.tty.tty === null
        ? `it has no controlling terminal (tty_nr 0), so no hangup is delivered to it${ttyWriteCaveat(e)}`
        : null,
  },
  {
    code: 'hangup.stopped',
    event: 'terminal-hangup',
    outcome: 'dies',
    confidence: 'certain',
    meaning: 'It is stopped (^Z) on the terminal: the shell and the kernel send stopped groups SIGHUP then SIGCONT.',
    when: (e) =>
      // Only the default action: a caught SIGHUP runs its handler once SIGCONT resumes it (hangup.sighup-caught).
      onTty(e) && isStopped(e) && e.signals?.hup === 'default'
        ? `it is stopped (state T) on ${e.tty?.tty}: at hangup its shell sends stopped jobs SIGHUP and SIGCONT, and the kernel does the same to a stopped group orphaned by the shell's exit`
        : null,
  },
  {
    code: 'hangup.pipe-reader-foreground',
    event: 'terminal-hangup',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'It ignores SIGHUP, but its output pipe is read by a foreground pipeline mate that does not: that reader dies and its next write raises SIGPIPE.',
    when: (e) => {
      if (!onTty(e) || e.signals?.hup !== 'ignored' || !e.tty?.foreground) return null;
      const rs = hangupPipeReaders(e);
      return rs.length > 0
        ? `SIGHUP is ignored, but its output pipe is read by ${readersText(rs)} in the same foreground group, which SIGHUP kills; its next write then raises SIGPIPE`
        : null;
    },
  },
  {
    code: 'hangup.pipe-reader-job',
    event: 'terminal-hangup',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'It ignores SIGHUP, but its output pipe is read by a job mate that does not: if the shell forwards SIGHUP to the job (not disowned), the reader dies and the next write raises SIGPIPE.',
    when: (e) => {
      const job = e.group?.jobOf;
      if (!onTty(e) || e.signals?.hup !== 'ignored' || !job) return null;
      const rs = hangupPipeReaders(e);
      return rs.length > 0
        ? `SIGHUP is ignored, but its output pipe is read by ${readersText(rs)}, a mate in the same job of ${job.label} (pid ${job.pid}); unless the job was disowned (which /proc cannot show: \`jobs -l\` in that shell lists it if not), the shell's SIGHUP kills the reader and its next write raises SIGPIPE`
        : null;
    },
  },
  {
    code: 'hangup.sighup-ignored',
    event: 'terminal-hangup',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'SIGHUP is ignored (nohup): the hangup signal has no effect.',
    when: (e) =>
      e.signals?.hup === 'ignored'
        ? `SIGHUP is ignored (SigIgn has SIGHUP, as nohup sets it)${ttyWriteCaveat(e)}`
        : null,
  },
  {
    code: 'hangup.session-leader',
    event: 'terminal-hangup',
    outcome: 'dies',
    confidence: 'certain',
    meaning:
      'It is the session leader holding the terminal and SIGHUP ends it (default action, or a shell, which exits on SIGHUP): the kernel sends it SIGHUP.',
    when: (e) => {
      const pid = e.process?.pid;
      if (!e.tty?.sessionLeader || pid === undefined || e.tty.sessionLeader.pid !== pid) return null;
      if (e.signals?.hup === 'default')
        return `it is the session leader of ${e.tty.tty}: the kernel sends it SIGHUP when the terminal hangs up`;
      // Interactive shells catch SIGHUP only to pass it on to their jobs, then exit.
      if (e.signals?.hup === 'caught' && shellSelf(e))
        return `it is the shell leading the session on ${e.tty.tty}: the kernel sends it SIGHUP when the terminal hangs up, and a shell passes that on to its jobs and exits`;
      return null;
    },
  },
  {
    code: 'hangup.sighup-caught',
    event: 'terminal-hangup',
    outcome: 'unknown',
    confidence: 'possible',
    meaning: 'It installs its own SIGHUP handler: the program decides what a hangup does.',
    when: (e) =>
      e.signals?.hup === 'caught'
        ? `it is on terminal ${e.tty?.tty} and installs its own SIGHUP handler (SigCgt): the program decides (many daemons reload, shells exit)`
        : null,
  },
  {
    code: 'hangup.foreground',
    event: 'terminal-hangup',
    outcome: 'dies',
    confidence: 'certain',
    meaning: 'It is in the foreground process group of its terminal: SIGHUP reaches that group.',
    when: (e) =>
      e.tty?.foreground
        ? `it is in the foreground process group of ${e.tty.tty}: its shell and then the kernel send that group SIGHUP`
        : null,
  },
  {
    code: 'hangup.shell-keeps-jobs',
    event: 'terminal-hangup',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      'It is a background job of an interactive shell that does not catch SIGHUP (SigCgt; dash and busybox ash do not): the hangup ends that shell before it can resend anything, and the kernel signals only the session leader and the foreground group.',
    when: (e) => {
      const job = e.group?.jobOf;
      const sh = e.chain?.interactiveShell;
      if (!job || sh?.pid !== job.pid || sh.hupCaught !== false) return null;
      return `it is a background job of ${job.label} (pid ${job.pid}) on ${e.tty?.tty}, a shell that does not catch SIGHUP (its SigCgt lacks it, as dash and busybox ash leave it): the hangup's SIGHUP ends that shell before it can resend anything to its jobs, the kernel signals only the session leader and the foreground group, and the job runs on${ttyWriteCaveat(e)}`;
    },
  },
  {
    code: 'hangup.shell-job',
    event: 'terminal-hangup',
    outcome: 'dies',
    confidence: 'likely',
    meaning:
      'It is a background job of an interactive shell: the shell forwards SIGHUP to its jobs at hangup; only a disowned job (invisible in /proc: `jobs -l` tells) is spared.',
    when: (e) => {
      const job = e.group?.jobOf;
      return job
        ? `it is a background job of ${job.label} (pid ${job.pid}) on ${e.tty?.tty}: that shell sends SIGHUP to its jobs when the terminal hangs up, so it dies unless the job was disowned (\`disown\`, \`disown -h\`), which /proc cannot show — \`jobs -l\` in that shell lists it if it was not disowned`
        : null;
    },
  },
  {
    code: 'hangup.not-a-job',
    event: 'terminal-hangup',
    outcome: 'survives',
    confidence: 'likely',
    meaning:
      'It is in a background group that no shell tracks as a job: the kernel signals only the session leader and the foreground group.',
    when: (e) =>
      onTty(e)
        ? `it is in background process group ${e.group?.pgid ?? '?'} on ${e.tty?.tty}, which no interactive shell tracks as a job: the kernel signals only the session leader and the foreground group, so no SIGHUP reaches it${ttyWriteCaveat(e)}`
        : null,
  },
];
