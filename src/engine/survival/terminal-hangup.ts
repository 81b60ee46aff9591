/**
 * terminal-hangup: the terminal goes away (the SSH connection drops, the terminal window closes).
 *
 * What the kernel and bash really do (seen with tracefs on a real sshd): the pty hangup signals only
 * the session leader (SIGHUP+SIGCONT); an interactive bash then forwards SIGHUP with kill() to every
 * job in its job table, except disowned ones; when the controlling process exits the kernel SIGHUPs
 * the foreground group, and any newly orphaned group with a stopped member. A process outside those
 * (a `(cmd &)` grandchild, a runner's leftover) gets nothing.
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
    code: 'hangup.multiplexer',
    event: 'terminal-hangup',
    outcome: 'survives',
    confidence: 'certain',
    meaning: 'Its terminal belongs to a tmux or screen server, which stays when the user disconnects.',
    when: (e) =>
      e.tty?.multiplexer && e.tty.holder
        ? `its terminal ${e.tty.tty} belongs to the ${e.tty.holder.label} (pid ${e.tty.holder.pid}), which keeps running when the SSH connection or terminal goes`
        : null,
  },
  {
    code: 'hangup.stopped',
    event: 'terminal-hangup',
    outcome: 'dies',
    confidence: 'certain',
    meaning: 'It is stopped (^Z) on the terminal: the shell and the kernel send stopped groups SIGHUP then SIGCONT.',
    when: (e) =>
      onTty(e) && isStopped(e) && e.signals?.hup !== 'ignored'
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
    code: 'hangup.shell-job',
    event: 'terminal-hangup',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'It is a background job of an interactive shell: the shell forwards SIGHUP to its jobs unless they were disowned, which /proc cannot show.',
    when: (e) => {
      const job = e.group?.jobOf;
      return job
        ? `it is a background job of ${job.label} (pid ${job.pid}) on ${e.tty?.tty}: that shell sends SIGHUP to its jobs when the terminal hangs up, unless the job was disowned (\`disown\`, \`disown -h\`), which /proc cannot show — \`jobs -l\` in that shell lists it if it was not`
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
