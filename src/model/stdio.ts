/**
 * Where fds 0, 1 and 2 point and what that means once the launcher is gone. A write to a hung-up
 * terminal fails with EIO; a write to a pipe whose reader died raises SIGPIPE (default: death); a log
 * written to a deleted file fills the disk invisibly.
 */
import type { Facts, FdInfo, FdKind, Read } from '../source/types';
import { hupDisposition, type Disposition, type SignalsSection } from './signals';
import { envNamesAmong, NODE_CHANNEL_NAMES } from './env-names';

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
  /**
   * For fd 1/2 on a pipe or a connected UNIX socket: every process holding the other end (the reader)
   * is its parent. When the parent exits, the next write finds no reader: pipe_write (fs/pipe.c) and
   * unix_stream_sendmsg (net/unix/af_unix.c) send the writer SIGPIPE and return EPIPE.
   */
  parentHoldsOtherEnd: boolean;
  /** A terminal that was hung up (`/dev/pts/N (deleted)`), not a deleted file. */
  hungUp: boolean;
  consequence: string | null;
};

export type StdioSection = {
  fds: FdSection[];
  ttyFds: number[];
  brokenPipes: number[];
  deletedFiles: number[];
  /** Path of fd 1 when it is a regular (not deleted) file: where its output goes today. */
  stdoutFile: string | null;
  /** fd 1/2 whose other end only its parent holds (pipes or socketpairs, e.g. Node's default spawn stdio). */
  parentEnd: Array<{ fd: number; kind: FdKind }>;
  /** fd 1/2 on a terminal that was already hung up (`/dev/pts/N (deleted)`): writes fail with EIO now. */
  hungUpTtyFds: number[];
  /**
   * A Node IPC channel to its parent (child_process.fork, cluster): NODE_CHANNEL_FD is in its environment
   * and a UNIX socket past fd 2 has its other end held only by its parent. Null when there is none.
   * `clusterWorker`: NODE_UNIQUE_ID is set too, which Node's cluster primary gives each worker
   * (lib/internal/cluster/primary.js createWorkerProcess); a worker exits when that channel disconnects
   * (lib/internal/cluster/child.js: "primary exited ... worker exits immediately").
   */
  parentChannel: { fd: number; clusterWorker: boolean } | null;
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
      : signals?.pipe === 'caught'
        ? 'the next write raises SIGPIPE, which its own handler catches (the program decides)'
        : signals?.pipeBlocked
          ? 'the next write fails with EPIPE and leaves SIGPIPE pending (blocked): it dies when it unblocks it'
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
  const self = facts.stat(pid);
  const ppid = self.ok && self.value.ppid > 1 ? self.value.ppid : null;
  const fds: FdSection[] = read.value
    .filter((f: FdInfo) => f.fd <= 2)
    .map((f: FdInfo): FdSection => {
      const out: FdSection = {
        fd: f.fd,
        kind: f.kind,
        target: f.target,
        peers: null,
        otherEndAlive: null,
        parentHoldsOtherEnd: false,
        hungUp: f.hungUp === true,
        consequence: null,
      };
      if (f.kind === 'tty' && f.hungUp) {
        out.consequence =
          f.fd === 0
            ? 'its terminal was hung up: reads return EOF'
            : 'its terminal was hung up: writes fail with EIO (what that does is the program’s choice)';
      } else if (f.kind === 'tty') {
        out.consequence =
          f.fd === 0
            ? 'after a hangup reads return EOF/EIO; a background read stops it with SIGTTIN'
            : 'after a hangup writes fail with EIO';
      } else if (f.kind === 'socket' && f.inode !== undefined && f.fd !== 0) {
        const peer = facts.unixPeer(f.inode);
        if (peer !== null) {
          const holders = facts.socketHolders(peer).filter((p) => p !== pid);
          out.peers = holders.map((h) => peerOf({ pid: h, fd: -1, mode: '?' }));
          out.otherEndAlive = holders.length > 0;
          out.parentHoldsOtherEnd = ppid !== null && holders.length > 0 && holders.every((h) => h === ppid);
          if (out.parentHoldsOtherEnd)
            out.consequence = `a socketpair whose other end only its parent (pid ${ppid}) holds: when the parent exits, ${pipeDeath}`;
        }
      } else if (f.kind === 'pipe' && f.inode !== undefined) {
        const holders = facts.pipeHolders(f.inode).filter((h) => h.pid !== pid);
        out.peers = holders.map(peerOf);
        // We write on 1/2 and need a reader; we read on 0 and need a writer. Unknown modes count as either.
        const want = f.fd === 0 ? 'w' : 'r';
        out.otherEndAlive = holders.some((h) => h.mode === want || h.mode === '?');
        const readers = holders.filter((h) => h.mode !== 'w');
        out.parentHoldsOtherEnd =
          f.fd !== 0 && ppid !== null && readers.length > 0 && readers.every((h) => h.pid === ppid);
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
  const parentChannel = ppid === null ? null : nodeChannel(facts, pid, ppid);
  return {
    ok: true,
    value: {
      section: {
        fds,
        ttyFds: fds.filter((f) => f.kind === 'tty').map((f) => f.fd),
        brokenPipes: fds.filter((f) => f.kind === 'pipe' && f.otherEndAlive === false && f.fd !== 0).map((f) => f.fd),
        deletedFiles: fds.filter((f) => f.kind === 'deleted-file' && f.fd !== 0).map((f) => f.fd),
        stdoutFile: fd1 && fd1.kind === 'file' ? fd1.target : null,
        parentEnd: fds.filter((f) => f.parentHoldsOtherEnd).map((f) => ({ fd: f.fd, kind: f.kind })),
        hungUpTtyFds: fds.filter((f) => f.fd !== 0 && f.hungUp).map((f) => f.fd),
        parentChannel,
        unreadable: null,
      },
      pipeDeath,
    },
  };
}

/** Sockets past fd 2 looked at for a channel to the parent (bounded: a server may hold thousands). */
const MAX_CHANNEL_FDS = 32;

/**
 * Node's IPC channel to its parent: only looked for when the environment names one (NODE_CHANNEL_FD, set
 * by child_process.fork and cluster; lib/internal/child_process.js), then found by what /proc shows: a
 * UNIX socket whose peer (sock_diag) only the parent holds.
 */
function nodeChannel(facts: Facts, pid: number, ppid: number): { fd: number; clusterWorker: boolean } | null {
  const env = envNamesAmong(facts, pid, NODE_CHANNEL_NAMES);
  if (!env.ok || !env.value.includes('NODE_CHANNEL_FD')) return null;
  const all = facts.fds(pid, true);
  if (!all.ok) return null;
  const sockets = all.value.filter((f) => f.fd > 2 && f.kind === 'socket' && f.inode !== undefined);
  for (const f of sockets.slice(0, MAX_CHANNEL_FDS)) {
    const peer = facts.unixPeer(f.inode as number);
    if (peer === null) continue;
    const holders = facts.socketHolders(peer).filter((p) => p !== pid);
    if (holders.length > 0 && holders.every((h) => h === ppid))
      return { fd: f.fd, clusterWorker: env.value.includes('NODE_UNIQUE_ID') };
  }
  return null;
}
