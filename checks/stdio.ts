/**
 * stdio: where fds 0, 1 and 2 point and what that means once the launcher is gone.
 * A write to a hung-up terminal fails with EIO; a write to a pipe whose reader died raises SIGPIPE
 * (default: death); a log written to a deleted file fills the disk invisibly.
 */
import type { Check, Finding } from '../src/engine/types';
import type { FdInfo, FdKind } from '../src/source/types';
import { hupDisposition, type SignalsEvidence } from './signals';

export type PeerEvidence = {
  pid: number;
  comm: string;
  fd: number;
  mode: 'r' | 'w' | '?';
  /** The peer's process group and SIGHUP disposition: whether a hangup that reaches its job kills it. */
  pgid: number | null;
  hup: 'ignored' | 'caught' | 'default' | null;
};

export type FdEvidence = {
  fd: number;
  kind: FdKind;
  /** Raw link target (hostile: may hold control characters). */
  target: string;
  /** For pipes: other processes holding the pipe (the target itself excluded). */
  peers: PeerEvidence[] | null;
  /** For pipes: is anyone left to read what it writes (fd 1/2) or to write what it reads (fd 0)? */
  otherEndAlive: boolean | null;
  consequence: string | null;
};

export type StdioEvidence = {
  fds: FdEvidence[];
  ttyFds: number[];
  brokenPipes: number[];
  deletedFiles: number[];
  /** Path of fd 1 when it is a regular (not deleted) file: where its output goes today. */
  stdoutFile: string | null;
  unreadable: string | null;
};

function signalsOf(prior: ReadonlyMap<string, Finding>): SignalsEvidence | null {
  const f = prior.get('signals');
  if (!f || f.status === 'skip' || f.status === 'error' || f.code === 'unreadable') return null;
  return f.evidence as unknown as SignalsEvidence;
}

export const stdio: Check = {
  meta: {
    id: 'stdio',
    title: 'Standard streams',
    description: 'fds 0/1/2: terminal, pipe (is the other end alive?), socket, /dev/null, file, deleted file; and what happens to it after a hangup.',
    requires: ['existence'],
    codes: {
      detached: 'Its standard streams point at /dev/null, files or sockets: nothing breaks when the terminal goes.',
      'on-tty': 'A standard stream is a terminal: after a hangup writes fail with EIO (reads return EOF or EIO).',
      'broken-pipe': 'A standard stream is a pipe with nobody at the other end: the next write raises SIGPIPE/EPIPE.',
      pipe: 'A standard stream is a pipe whose other end is alive: when that process exits, writes raise SIGPIPE.',
      'deleted-file': 'Output goes to a deleted file: the log is invisible and still uses disk.',
      unreadable: 'Its fds could not be read (permission).',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const read = ctx.facts.fds(pid);
    if (!read.ok) {
      const evidence: StdioEvidence = { fds: [], ttyFds: [], brokenPipes: [], deletedFiles: [], stdoutFile: null, unreadable: `${read.code}: ${read.message}` };
      const why = read.code === 'EACCES' || read.code === 'EPERM' ? 'permission denied (another user\'s process; run as that user or root)' : read.message;
      return { status: 'info', code: 'unreadable', summary: `Could not read /proc/${pid}/fd: ${why}.`, evidence };
    }
    const sig = signalsOf(ctx.prior);
    const pipeDeath = sig?.pipe === 'ignored' ? 'writes fail with EPIPE (SIGPIPE is ignored)' : 'the next write raises SIGPIPE, which kills it by default';
    const peerOf = (h: { pid: number; fd: number; mode: 'r' | 'w' | '?' }): PeerEvidence => {
      const s = ctx.facts.stat(h.pid);
      const st = ctx.facts.status(h.pid);
      const hup = st.ok ? hupDisposition(st.value.sigIgn, st.value.sigCgt) : null;
      return { pid: h.pid, comm: s.ok ? s.value.comm : '?', fd: h.fd, mode: h.mode, pgid: s.ok ? s.value.pgrp : null, hup };
    };
    const fds: FdEvidence[] = read.value
      .filter((f: FdInfo) => f.fd <= 2)
      .map((f: FdInfo): FdEvidence => {
        const out: FdEvidence = { fd: f.fd, kind: f.kind, target: f.target, peers: null, otherEndAlive: null, consequence: null };
        if (f.kind === 'tty') {
          out.consequence = f.fd === 0 ? 'after a hangup reads return EOF/EIO; a background read stops it with SIGTTIN' : 'after a hangup writes fail with EIO';
        } else if (f.kind === 'pipe' && f.inode !== undefined) {
          const holders = ctx.facts.pipeHolders(f.inode).filter((h) => h.pid !== pid);
          out.peers = holders.map(peerOf);
          // We write on 1/2 and need a reader; we read on 0 and need a writer. Unknown modes count as either.
          const want = f.fd === 0 ? 'w' : 'r';
          out.otherEndAlive = holders.some((h) => h.mode === want || h.mode === '?');
          if (!out.otherEndAlive) out.consequence = f.fd === 0 ? 'reads return EOF: nobody writes to this pipe any more' : `nobody reads this pipe: ${pipeDeath}`;
          else if (f.fd !== 0) {
            const readers = out.peers.filter((p) => p.mode !== 'w').map((p) => `${p.comm} (pid ${p.pid})`);
            out.consequence = `when ${readers.join(' and ')} ${readers.length === 1 ? 'exits' : 'exit'}, ${pipeDeath}`;
          }
        } else if (f.kind === 'deleted-file') {
          out.consequence = 'the file was deleted: output is written to an invisible file that still takes disk space';
        } else if (f.kind === 'closed') {
          out.consequence = 'closed: the next file it opens takes this number';
        }
        return out;
      });
    const ttyFds = fds.filter((f) => f.kind === 'tty').map((f) => f.fd);
    const brokenPipes = fds.filter((f) => f.kind === 'pipe' && f.otherEndAlive === false && f.fd !== 0).map((f) => f.fd);
    const deletedFiles = fds.filter((f) => f.kind === 'deleted-file' && f.fd !== 0).map((f) => f.fd);
    const fd1 = fds.find((f) => f.fd === 1);
    const evidence: StdioEvidence = {
      fds,
      ttyFds,
      brokenPipes,
      deletedFiles,
      stdoutFile: fd1 && fd1.kind === 'file' ? fd1.target : null,
      unreadable: null,
    };
    const details = fds.map((f) => `fd ${f.fd}: ${f.kind} ${f.target}${f.consequence ? ` — ${f.consequence}` : ''}`);
    if (brokenPipes.length > 0) {
      return { status: 'warn', code: 'broken-pipe', summary: `fd ${brokenPipes.join(', ')} is a pipe nobody reads: ${pipeDeath}.`, details, evidence };
    }
    if (deletedFiles.length > 0) {
      return { status: 'warn', code: 'deleted-file', summary: `fd ${deletedFiles.join(', ')} writes to a deleted file.`, details, evidence };
    }
    if (ttyFds.length > 0) {
      return { status: 'info', code: 'on-tty', summary: `fd ${ttyFds.join(', ')} on a terminal: after a hangup writes fail with EIO.`, details, evidence };
    }
    if (fds.some((f) => f.kind === 'pipe' && f.fd !== 0)) {
      return { status: 'info', code: 'pipe', summary: 'Output goes to a pipe whose reader is alive; it depends on that reader.', details, evidence };
    }
    return { status: 'pass', code: 'detached', summary: 'Standard streams do not depend on a terminal or a pipe reader.', details, evidence };
  },
};
