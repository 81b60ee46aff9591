/**
 * stdio: where fds 0, 1 and 2 point and what that means once the launcher is gone.
 * A write to a hung-up terminal fails with EIO; a write to a pipe whose reader died raises SIGPIPE
 * (default: death); a log written to a deleted file fills the disk invisibly.
 */
import type { Check } from '../src/engine/types';
import type { StdioSection } from '../src/model/stdio';

export const stdio: Check = {
  meta: {
    id: 'stdio',
    title: 'Standard streams',
    description:
      'fds 0/1/2: terminal, pipe (is the other end alive?), socket, /dev/null, file, deleted file; and what happens to it after a hangup.',
    requires: ['existence'],
    codes: {
      detached: 'Its standard streams point at /dev/null, files or sockets: nothing breaks when the terminal goes.',
      'on-tty': 'A standard stream is a terminal: after a hangup writes fail with EIO (reads return EOF or EIO).',
      'broken-pipe': 'A standard stream is a pipe with nobody at the other end: the next write raises SIGPIPE/EPIPE.',
      pipe: 'A standard stream is a pipe whose other end is alive: when that process exits, writes raise SIGPIPE.',
      'deleted-file': 'Output goes to a deleted file: the log is invisible and still uses disk.',
      'hung-up-tty':
        'A standard stream is a terminal that was already hung up: its writes fail with EIO now (the program decides what that does).',
      'parent-end':
        'Its output pipe or socketpair is read only by its parent: when the parent exits, the next write raises SIGPIPE/EPIPE.',
      unreadable: 'Its fds could not be read (permission).',
    },
  },
  run(ctx) {
    const pid = ctx.target.pid;
    const read = ctx.model.stdio;
    if (!read.ok) {
      const evidence: StdioSection = {
        fds: [],
        ttyFds: [],
        brokenPipes: [],
        deletedFiles: [],
        stdoutFile: null,
        parentEnd: [],
        hungUpTtyFds: [],
        parentChannel: null,
        unreadable: `${read.code}: ${read.message}`,
      };
      const why =
        read.code === 'EACCES' || read.code === 'EPERM'
          ? "permission denied (another user's process; run as that user or root)"
          : read.message;
      return { status: 'info', code: 'unreadable', summary: `Could not read /proc/${pid}/fd: ${why}.`, evidence };
    }
    const { section: evidence, pipeDeath } = read.value;
    const { fds, ttyFds, brokenPipes, deletedFiles } = evidence;
    const details = fds.map((f) => `fd ${f.fd}: ${f.kind} ${f.target}${f.consequence ? ` — ${f.consequence}` : ''}`);
    if (brokenPipes.length > 0) {
      return {
        status: 'warn',
        code: 'broken-pipe',
        summary: `fd ${brokenPipes.join(', ')} is a pipe nobody reads: ${pipeDeath}.`,
        details,
        evidence,
      };
    }
    if (evidence.hungUpTtyFds.length > 0) {
      return {
        status: 'warn',
        code: 'hung-up-tty',
        summary: `fd ${evidence.hungUpTtyFds.join(', ')} is a terminal that was hung up: writes fail with EIO (not a deleted file).`,
        details,
        evidence,
      };
    }
    if (deletedFiles.length > 0) {
      return {
        status: 'warn',
        code: 'deleted-file',
        summary: `fd ${deletedFiles.join(', ')} writes to a deleted file.`,
        details,
        evidence,
      };
    }
    if (evidence.parentEnd.length > 0) {
      const kinds = [...new Set(evidence.parentEnd.map((f) => (f.kind === 'socket' ? 'socketpair' : 'pipe')))];
      return {
        status: 'info',
        code: 'parent-end',
        summary: `fd ${evidence.parentEnd.map((f) => f.fd).join(', ')} is a ${kinds.join(' or ')} read only by its parent: when the parent exits, ${pipeDeath}.`,
        details,
        evidence,
      };
    }
    if (ttyFds.length > 0) {
      return {
        status: 'info',
        code: 'on-tty',
        summary: `fd ${ttyFds.join(', ')} on a terminal: after a hangup writes fail with EIO.`,
        details,
        evidence,
      };
    }
    if (fds.some((f) => f.kind === 'pipe' && f.fd !== 0)) {
      return {
        status: 'info',
        code: 'pipe',
        summary: 'Output goes to a pipe whose reader is alive; it depends on that reader.',
        details,
        evidence,
      };
    }
    return {
      status: 'pass',
      code: 'detached',
      summary: 'Standard streams do not depend on a terminal or a pipe reader.',
      details,
      evidence,
    };
  },
};
