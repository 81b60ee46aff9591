/** Controlling terminal decoding from the stat tty_nr field (new_encode_dev format). */
import type { TtyInfo } from './types';

export function decodeTtyNr(nr: number): TtyInfo {
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  return { nr, major, minor, name: nr === 0 ? null : ttyName(major, minor) };
}

/** Inverse of decodeTtyNr's major/minor split (for tests and fixtures). */
export function encodeTtyNr(major: number, minor: number): number {
  return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & 0xfff00) << 12) | 0;
}

function ttyName(major: number, minor: number): string {
  // Unix98 pty slaves use majors 136..143, 256 minors per major.
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5) {
    if (minor === 0) return 'tty';
    if (minor === 1) return 'console';
    if (minor === 2) return 'ptmx';
  }
  return `char:${major}:${minor}`;
}
