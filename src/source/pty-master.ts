/**
 * Who holds the master side of a pseudo-terminal. A pty hangs up when its last master fd closes
 * (drivers/tty/pty.c pty_close -> tty_vhangup of the slave), so the holder, not the name of any
 * ancestor, decides whether "the user's connection drops" reaches a terminal: sshd's pty goes with the
 * connection, a detached tmux/screen/dtach/abduco server's pty does not.
 *
 * A master fd is a link to /dev/ptmx (or /dev/pts/ptmx); its /proc/PID/fdinfo carries `tty-index:` (the
 * N of /dev/pts/N: drivers/tty/pty.c pty_show_fdinfo, since Linux 4.19).
 */
import type { Read } from './types';

/** The N of `tty-index:\tN` in an fdinfo text, or null. */
export function parseTtyIndex(fdinfo: string): number | null {
  const m = /^tty-index:\s*(\d+)\s*$/m.exec(fdinfo);
  return m ? Number(m[1]) : null;
}

/** A link target naming the pty multiplexer device (each open of it is a new master). */
export const isPtmxLink = (link: string): boolean => link === '/dev/ptmx' || link === '/dev/pts/ptmx';

/** `/dev/pts/N` (live, or hung up: the kernel removed the node and the link reads `(deleted)`) -> N. */
export function ptsIndexOf(link: string): number | null {
  const m = /^\/dev\/pts\/(\d+)(?: \(deleted\))?$/.exec(link);
  return m ? Number(m[1]) : null;
}

export interface PtyMasterHolder {
  pid: number;
  fd: number;
}

/**
 * The first of `pids` (in order) holding a master of pts `index` (with `all`: the only one, or null when
 * several do). `fds` lists a process's fd numbers and
 * link targets; `text` reads an fdinfo file. Unreadable processes are skipped (another user's, not root).
 */
export function findPtyMaster(
  index: number,
  pids: readonly number[],
  fds: (pid: number) => Read<Array<{ fd: number; target: string }>>,
  text: (path: string) => Read<string>,
  all = false,
): PtyMasterHolder | null {
  const found: PtyMasterHolder[] = [];
  for (const pid of pids) {
    const r = fds(pid);
    if (!r.ok) continue;
    for (const f of r.value) {
      if (!isPtmxLink(f.target)) continue;
      const info = text(`/proc/${pid}/fdinfo/${f.fd}`);
      if (info.ok && parseTtyIndex(info.value) === index) {
        if (!all) return { pid, fd: f.fd };
        if (!found.some((h) => h.pid === pid)) found.push({ pid, fd: f.fd });
      }
    }
  }
  // tty-index is per devpts instance and two instances can share a mount namespace (a devpts mounted over
  // another, a container's console): two processes holding "pts N" cannot be told apart, so neither is named.
  return found.length === 1 ? found[0] : null;
}
