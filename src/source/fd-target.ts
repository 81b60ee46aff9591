/** Classify an fd's link target (from readlink /proc/PID/fd/N). */
import type { FdKind } from './types';

const TTY = /^\/dev\/(pts\/\d+|tty\d*|ttyS\d+|ttyUSB\d+|ttyAMA\d+|console)$/;

/** A pts whose master closed: devpts removed its node (devpts_pty_kill), so the link reads `(deleted)`. */
const HUNG_UP_PTS = /^\/dev\/pts\/\d+ \(deleted\)$/;

export function classifyFdTarget(link: string): { kind: FdKind; inode?: number; hungUp?: boolean } {
  if (typeof link !== 'string' || link === '') return { kind: 'other' };
  const typed = /^(pipe|socket):\[(\d+)\]$/.exec(link);
  if (typed) return { kind: typed[1] === 'pipe' ? 'pipe' : 'socket', inode: Number(typed[2]) };
  if (link === '/dev/null') return { kind: 'devnull' };
  if (TTY.test(link)) return { kind: 'tty' };
  // A hung-up terminal, not a deleted file: reads give EOF, writes fail with EIO (tty_io.c hung_up_tty_write).
  if (HUNG_UP_PTS.test(link)) return { kind: 'tty', hungUp: true };
  if (link.startsWith('anon_inode:')) return { kind: 'anon' };
  if (link.startsWith('/')) {
    // The kernel appends " (deleted)" to unlinked files; a file really named so is indistinguishable.
    return { kind: link.endsWith(' (deleted)') ? 'deleted-file' : 'file' };
  }
  return { kind: 'other' };
}
