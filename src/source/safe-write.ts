/**
 * Every file whydied writes goes through here. whydied runs as root on machines where other users can plant
 * symbolic links and hard links where it is about to write (fs.protected_symlinks is 0 on some hosts), so:
 *
 * - every directory written into is checked: a real directory (links along the way must belong to root or
 *   to us), owned by us or root, on a real filesystem (not proc, sysfs, tracefs, ...), and not writable by
 *   group or others unless sticky - and in a sticky shared directory (/tmp) only files we own are touched;
 * - whole files are written to a fresh name (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) in the same directory and
 *   renamed over the target, so an existing file's mode never leaks into the new content and a planted
 *   link is replaced, never followed;
 * - appends open with O_NOFOLLOW|O_APPEND and fstat the result: a regular file with one link, ours when the
 *   directory is shared.
 * Missing directories are created one component at a time (0700), each re-checked after its creation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomHex } from './random-hex';
import { UsageError } from '../util/errors';
import { escapeControl, isClean } from '../util/escape';

/** A path whydied refuses to write to: bad input (exit 2), said in one line. */
export class UnsafePathError extends UsageError {
  /**
   * `unavailable`: the path is not hostile, it just cannot be made or opened (EACCES, EROFS, ENOENT): a
   * caller for which writing is optional (a watch saving its record) may go on without it.
   */
  constructor(
    message: string,
    readonly unavailable = false,
  ) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

const C = fs.constants;

/** statfs magic numbers of filesystems that hold no user files: writing there is never what was meant. */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x74726163, 'tracefs'],
  [0x64626720, 'debugfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x42494e4d, 'binfmt_misc'],
  [0x6e736673, 'nsfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x19800202, 'mqueue'],
]);

const show = (p: string): string => escapeControl(p);
const euid = (): number => process.geteuid?.() ?? -1;
const trusted = (uid: number): boolean => uid === 0 || uid === euid();

/** Writable by group or others (the group/other write bits). */
const shared = (st: fs.Stats): boolean => (st.mode & 0o022) !== 0;
const sticky = (st: fs.Stats): boolean => (st.mode & 0o1000) !== 0;

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function pseudoFs(dir: string): string | null {
  try {
    return PSEUDO_FS.get(Number(fs.statfsSync(dir).type)) ?? null;
  } catch {
    return null;
  }
}

/** What a checked directory allows: in a sticky shared directory only our own files may be replaced. */
export interface DirCheck {
  dir: string;
  /** Group/other-writable (sticky): files in it must be ours. */
  shared: boolean;
}

/**
 * Every symbolic link met while walking the path as given must belong to root or to us (one planted by
 * another user would redirect everything below it).
 */
function checkLinksAlong(abs: string): void {
  let cur = '/';
  for (const part of abs.split('/').filter((s) => s !== '')) {
    cur = path.join(cur, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(cur);
    } catch {
      return; // the rest does not exist yet: created below, component by component
    }
    if (st.isSymbolicLink() && !trusted(st.uid)) {
      throw new UnsafePathError(`${show(cur)} is a symbolic link owned by uid ${st.uid}: refusing to write through it`);
    }
  }
}

/** `/proc/self/fd/N` names the directory N is open on: opening `<that>/name` is openat(N, name). */
const PROC_FD = fs.existsSync('/proc/self/fd') ? '/proc/self/fd' : null;

const modeOf = (st: fs.Stats): string => (st.mode & 0o7777).toString(8);

/**
 * Walk `real` (an absolute path without links) from `/`, one component at a time, each opened
 * O_DIRECTORY|O_NOFOLLOW relative to its parent's descriptor (openat through /proc/self/fd), and hand each
 * component's fstat to `check`: what is checked is what was opened, and a component swapped for a link
 * between the check and the open fails with ELOOP/ENOTDIR instead of being followed. Changes nothing.
 */
function walkNoFollow(real: string, check: (at: string, st: fs.Stats, last: boolean) => void): fs.Stats {
  const flags = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW | C.O_NOCTTY;
  const parts = real.split('/').filter((s) => s !== '');
  let fd = fs.openSync('/', flags);
  let cur = '/';
  try {
    let st = fs.fstatSync(fd);
    check(cur, st, parts.length === 0);
    for (let i = 0; i < parts.length; i++) {
      cur = path.join(cur, parts[i]);
      const next = fs.openSync(PROC_FD ? `${PROC_FD}/${fd}/${parts[i]}` : cur, flags);
      fs.closeSync(fd);
      fd = next;
      st = fs.fstatSync(fd);
      check(cur, st, i === parts.length - 1);
    }
    return st;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Checks an existing directory (symlinks resolved) and each of its ancestors, changing nothing. `private`:
 * the directory itself must be ours and writable by nobody else, sticky or not (a state dir: records hold
 * command lines, and /tmp is not a place for them).
 */
function checkExistingDir(dir: string, role: string, priv = false): DirCheck {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch (e) {
    throw new UnsafePathError(`cannot use ${role} ${show(dir)}: ${errCode(e)}`);
  }
  let st: fs.Stats;
  try {
    st = walkNoFollow(real, (at, cst, last) => {
      if (last) return;
      // Ancestors: another user able to rename an ancestor could swap the whole tree under us.
      if (!trusted(cst.uid) || (shared(cst) && !sticky(cst)))
        throw new UnsafePathError(
          `${role} ${show(dir)} is under ${show(at)}, which another user (uid ${cst.uid}, mode ${modeOf(cst)}) can change: refusing to write there`,
        );
    });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = errCode(e);
    if (code === 'ENOTDIR') throw new UnsafePathError(`${role} ${show(dir)} is not a directory`);
    if (code === 'ELOOP') throw new UnsafePathError(`${role} ${show(dir)} changed into a symbolic link while checked`);
    throw new UnsafePathError(`cannot use ${role} ${show(dir)}: ${code}`, code === 'EACCES' || code === 'ENOENT');
  }
  const fsName = pseudoFs(real);
  if (fsName)
    throw new UnsafePathError(`${role} ${show(dir)} is on ${fsName}, not a real filesystem: refusing to write there`);
  if (!trusted(st.uid) || (priv && st.uid !== euid()))
    throw new UnsafePathError(
      `${role} ${show(dir)} is owned by uid ${st.uid}, not by uid ${euid()}${priv ? '' : ' or root'}: refusing to write into it`,
    );
  if (shared(st) && (priv || !sticky(st)))
    throw new UnsafePathError(
      `${role} ${show(dir)} is writable by other users (mode ${modeOf(st)}): refusing to write into it${priv ? ', use a private directory' : ''}`,
    );
  return { dir: real, shared: shared(st) };
}

/**
 * Check `dir` (creating missing components 0700 one at a time when `create`) and return its real path.
 * `role` names it in errors ("state dir", "log directory").
 */
export function secureDir(dir: string, role: string, create = false, priv = false): DirCheck {
  if (!isClean(dir)) throw new UnsafePathError(`${role} ${show(dir)} holds a control or bidi character`);
  const abs = path.resolve(dir);
  checkLinksAlong(abs);
  // The deepest existing ancestor is checked first, so nothing is created under a hostile or pseudo directory.
  const missing: string[] = [];
  let base = abs;
  while (!fs.existsSync(base)) {
    missing.unshift(path.basename(base));
    const up = path.dirname(base);
    if (up === base) break;
    base = up;
  }
  if (missing.length > 0 && !create) throw new UnsafePathError(`${role} ${show(abs)} does not exist`);
  // Only the directory asked for must be private: a missing one is created 0700 by us below.
  let check = checkExistingDir(base, role, priv && missing.length === 0);
  for (const part of missing) {
    const next = path.join(check.dir, part);
    try {
      fs.mkdirSync(next, { mode: 0o700 });
    } catch (e) {
      if (errCode(e) !== 'EEXIST')
        throw new UnsafePathError(`cannot create ${role} ${show(abs)}: ${errCode(e)} at ${show(next)}`, true);
    }
    // Created by us, or raced by someone: either way it must now pass as an existing directory.
    const st = fs.lstatSync(next);
    if (st.isSymbolicLink())
      throw new UnsafePathError(`${show(next)} became a symbolic link while creating ${role} ${show(abs)}`);
    check = checkExistingDir(next, role, priv);
  }
  return check;
}

function checkExistingTarget(file: string, where: DirCheck): fs.Stats | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return null;
  }
  if (st.isSymbolicLink()) throw new UnsafePathError(`${show(file)} is a symbolic link: refusing to write through it`);
  if (!st.isFile()) throw new UnsafePathError(`${show(file)} exists and is not a regular file`);
  if (where.shared && st.uid !== euid())
    throw new UnsafePathError(`${show(file)} is owned by uid ${st.uid} in a shared directory: refusing to replace it`);
  if (st.nlink > 1) throw new UnsafePathError(`${show(file)} has ${st.nlink} hard links: refusing to write to it`);
  return st;
}

/**
 * Replace `file` with `data` (mode 0600 unless told): a fresh O_EXCL name in the same directory, written,
 * synced and renamed over the target. The directory is created when `createDir`.
 */
export function safeWriteFile(
  file: string,
  data: string | Buffer,
  opts: { mode?: number; role?: string; createDir?: boolean } = {},
): void {
  const abs = path.resolve(file);
  const where = secureDir(
    path.dirname(abs),
    opts.role ? `${opts.role} directory` : 'directory',
    opts.createDir ?? false,
  );
  const target = path.join(where.dir, path.basename(abs));
  checkExistingTarget(target, where);
  const tmp = path.join(where.dir, `.${path.basename(abs).slice(0, 80)}.${process.pid}.${randomHex(6)}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW | C.O_NOCTTY, opts.mode ?? 0o600);
  } catch (e) {
    throw new UnsafePathError(`cannot write ${show(abs)}: ${errCode(e)}`);
  }
  try {
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length;) off += fs.writeSync(fd, buf, off, buf.length - off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* already renamed or gone */
    }
    if (e instanceof UsageError) throw e;
    throw new UnsafePathError(`cannot write ${show(abs)}: ${errCode(e)}`);
  }
}

/**
 * Open `file` for appending (created 0600), never through a link: O_NOFOLLOW|O_APPEND, then fstat says it
 * is a regular file with a single link (and ours in a shared directory). `/dev/null` is allowed as itself.
 * `private` (records name processes and command lines): the file must be ours and 0600 already.
 */
export function openAppend(
  file: string,
  opts: { role?: string; createDir?: boolean; private?: boolean; read?: boolean } = {},
): number {
  const abs = path.resolve(file);
  const role = opts.role ?? 'file';
  if (abs === '/dev/null') return fs.openSync(abs, C.O_WRONLY | C.O_APPEND | C.O_NOCTTY);
  const where = secureDir(path.dirname(abs), `${role} directory`, opts.createDir ?? false);
  const target = path.join(where.dir, path.basename(abs));
  let fd: number;
  try {
    fd = fs.openSync(
      target,
      (opts.read ? C.O_RDWR : C.O_WRONLY) | C.O_APPEND | C.O_CREAT | C.O_NOFOLLOW | C.O_NOCTTY | C.O_NONBLOCK,
      0o600,
    );
  } catch (e) {
    // ELOOP from O_NOFOLLOW, or EACCES from fs.protected_regular in a sticky dir: say which it was.
    let link = errCode(e) === 'ELOOP';
    try {
      link ||= fs.lstatSync(target).isSymbolicLink();
    } catch {
      /* not there */
    }
    if (link) throw new UnsafePathError(`${role} ${show(abs)} is a symbolic link: refusing to write through it`);
    throw new UnsafePathError(`cannot open ${role} ${show(abs)}: ${errCode(e)}`, true);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnsafePathError(`${role} ${show(abs)} is not a regular file`);
    if (st.nlink !== 1)
      throw new UnsafePathError(`${role} ${show(abs)} has ${st.nlink} hard links: refusing to write to it`);
    if (where.shared && st.uid !== euid())
      throw new UnsafePathError(
        `${role} ${show(abs)} is owned by uid ${st.uid} in a shared directory: refusing to write to it`,
      );
    // A private file (records: command lines) that another user owns, or that was ever readable by others,
    // may be held open by them: whatever is appended they read. Refused, never tightened and used.
    if (opts.private && (st.uid !== euid() || (st.mode & 0o077) !== 0))
      throw new UnsafePathError(
        `${role} ${show(abs)} is owned by uid ${st.uid} with mode ${modeOf(st)}, not private to uid ${euid()}: refusing to write to it`,
      );
    return fd;
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** A write that failed for want of room or permission: the disk, not whydied (exit 2, "unavailable"). */
const NO_ROOM = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EACCES', 'EPERM', 'EIO']);

/**
 * Create `file` exclusively (O_EXCL|O_NOFOLLOW, 0600) in a checked directory, written whole or not at all:
 * a read-only or full disk is an UnsafePathError (exit 2), and a file that could not be filled is removed
 * (an empty pidfile would stand for a recorder that never ran). EEXIST is passed on.
 */
export function createExclusive(file: string, data: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW | C.O_NOCTTY, 0o600);
  } catch (e) {
    if (errCode(e) === 'EEXIST' || !NO_ROOM.has(errCode(e))) throw e;
    throw new UnsafePathError(`cannot create ${show(file)}: ${errCode(e)}`, true);
  }
  try {
    writeAll(fd, Buffer.from(data), file);
  } catch (e) {
    try {
      fs.unlinkSync(file);
    } catch {
      /* gone already */
    }
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write all of `buf` at the end of an O_APPEND file, or nothing: a short write (a full disk takes what fits)
 * is followed by the error of the next write; the file is then cut back to where it ended before, so no torn
 * line is left for the next writer, and the failure is an UnsafePathError (unavailable: exit 2, one line).
 */
export function writeAll(fd: number, buf: Buffer, file: string): void {
  let start = -1;
  try {
    start = fs.fstatSync(fd).size;
    for (let off = 0; off < buf.length;) off += fs.writeSync(fd, buf, off, buf.length - off);
  } catch (e) {
    if (start >= 0) {
      try {
        fs.ftruncateSync(fd, start);
      } catch {
        /* nothing more to do: the reader skips a torn line */
      }
    }
    if (e instanceof UsageError) throw e;
    throw new UnsafePathError(`cannot write ${show(file)}: ${errCode(e)}`, NO_ROOM.has(errCode(e)));
  }
}

/**
 * Overwrite an existing small file of ours in place (O_NOFOLLOW, no O_CREAT), padding with spaces to its old
 * length so no new block is needed: how a status file stays current on a full disk (a reader meeting the
 * write may see a mix of old and new: it reads again). Best effort: false
 * when the file is missing, not ours, linked, or the write fails.
 */
export function rewriteInPlace(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, C.O_WRONLY | C.O_NOFOLLOW | C.O_NOCTTY | C.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1 || st.uid !== euid()) return false;
    const body = Buffer.from(text);
    const buf =
      body.length < st.size
        ? Buffer.concat([
            body.subarray(0, body.length - 1),
            Buffer.alloc(st.size - body.length, ' '),
            Buffer.from('\n'),
          ])
        : body;
    fs.writeSync(fd, buf, 0, buf.length, 0);
    if (buf.length < st.size) fs.ftruncateSync(fd, buf.length);
    return true;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}
