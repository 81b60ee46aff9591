/**
 * Exiting after the terminal went away. Node records the terminal state of fds 0-2 at start and restores it
 * at exit (node.cc ResetStdio); on a hung-up terminal tcsetattr fails with EIO and Node 20 aborts on a
 * CHECK (`Assertion failed: !(err != 0) || ... == 1`, SIGABRT, exit 134: nodejs/node#51519, fixed upstream
 * by #58200, "src: remove overzealous tcsetattr error check", not in Node 20). ResetStdio skips a descriptor
 * the program closed (fstat EBADF), so at exit each stdio descriptor that was a terminal at start and no
 * longer answers as one (tcgetattr EIO after the hangup) is closed: there is nothing left to restore.
 */
import * as fs from 'fs';

/** A character device other than the memory devices (major 1: /dev/null, /dev/zero): maybe a terminal. */
function maybeTerminal(fd: number): boolean {
  try {
    const st = fs.fstatSync(fd);
    return st.isCharacterDevice() && (st.rdev & 0xfff00) >> 8 !== 1;
  } catch {
    return false;
  }
}

export function releaseDeadTerminalAtExit(): void {
  const ttys = [0, 1, 2].filter(maybeTerminal);
  if (ttys.length === 0) return;
  process.on('exit', () => {
    const { isatty } = require('tty') as typeof import('tty');
    for (const fd of ttys) {
      if (isatty(fd)) continue;
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  });
}
