/**
 * Where fds 0, 1 and 2 point and what that means once the launcher is gone. A write to a hung-up
 * terminal fails with EIO; a write to a pipe whose reader died raises SIGPIPE (default: death); a log
 * written to a deleted file fills the disk invisibly.
 */
import type { Facts, FdInfo, FdKind, Read } from '../source/types';
import { hupDisposition, type Disposition, type SignalsSection } from './signals';

export type PeerSection = {
  pid: number;
  comm: string;
  fd: number;
  mode: 'r' | 'w' | '?';
  /** The peer's process group and SIGHUP disposition: whether a hangup that reaches its job kills it. */
  pgid: number | null;
  hup: Disposition | null;
};

export type FdSection = {
  fd: number;
  kind: FdKind;
  /** Raw link target (hostile: may hold control characters). */
  target: string;
  /** For pipes: other processes holding the pipe (the target itself excluded). */
  peers: PeerSection[] | null;
  /** For pipes: is anyone left to read what it writes (fd 1/2) or to write what it reads (fd 0)? */
  otherEndAlive: boolean | null;
  consequence: string | null;
};

export type StdioSection = {
  fds: FdSection[];
  ttyFds: number[];
  brokenPipes: number[];
  deletedFiles: number[];
  /** Path of fd 1 when it is a regular (not deleted) file: where its output goes today. */
  stdoutFile: string | null;
  unreadable: string | null;
};

export interface Stdio {
  section: StdioSection;
  /** What a write to a pipe nobody reads does to it (SIGPIPE's disposition decides). */
  pipeDeath: string;
}

/** `signals` null when its dispositions could not be read: the default (SIGPIPE kills) is assumed. */
export function deriveStdio(facts: Facts, pid: number, signals: SignalsSection | null): Read<Stdio> {
  const read = facts.fds(pid);
  if (!read.ok) return read;
  const pipeDeath =
    signals?.pipe === 'ignored'
      ? 'writes fail with EPIPE (SIGPIPE is ignored)'
      : 'the next write raises SIGPIPE, which kills it by default';
  const peerOf = (h: { pid: number; fd: number; mode: 'r' | 'w' | '?' }): PeerSection => {
    const s = facts.stat(h.pid);
    const st = facts.status(h.pid);
    const hup = st.ok ? hupDisposition(st.value.sigIgn, st.value.sigCgt) : null;
    return {
      pid: h.pid,
      comm: s.ok ? s.value.comm : '?',
      fd: h.fd,
      mode: h.mode,
      pgid: s.ok ? s.value.pgrp : null,
      hup,
    };
  };
  const fds: FdSection[] = read.value
    .filter((f: FdInfo) => f.fd <= 2)
    .map((f: FdInfo): FdSection => {
      const out: FdSection = {
        fd: f.fd,
        kind: f.kind,
        target: f.target,
        peers: null,
        otherEndAlive: null,
        consequence: null,
      };
      if (f.kind === 'tty') {
        out.consequence =
          f.fd === 0
            ? 'after a hangup reads return EOF/EIO; a background read stops it with SIGTTIN'
            : 'after a hangup writes fail with EIO';
      } else if (f.kind === 'pipe' && f.inode !== undefined) {
        const holders = facts.pipeHolders(f.inode).filter((h) => h.pid !== pid);
        out.peers = holders.map(peerOf);
        // We write on 1/2 and need a reader; we read on 0 and need a writer. Unknown modes count as either.
        const want = f.fd === 0 ? 'w' : 'r';
        out.otherEndAlive = holders.some((h) => h.mode === want || h.mode === '?');
        if (!out.otherEndAlive)
          out.consequence =
            f.fd === 0
              ? 'reads return EOF: nobody writes to this pipe any more'
              : `nobody reads this pipe: ${pipeDeath}`;
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
  const fd1 = fds.find((f) => f.fd === 1);
  return {
    ok: true,
    value: {
      section: {
        fds,
        ttyFds: fds.filter((f) => f.kind === 'tty').map((f) => f.fd),
        brokenPipes: fds.filter((f) => f.kind === 'pipe' && f.otherEndAlive === false && f.fd !== 0).map((f) => f.fd),
        deletedFiles: fds.filter((f) => f.kind === 'deleted-file' && f.fd !== 0).map((f) => f.fd),
        stdoutFile: fd1 && fd1.kind === 'file' ? fd1.target : null,
        unreadable: null,
      },
      pipeDeath,
    },
  };
}
