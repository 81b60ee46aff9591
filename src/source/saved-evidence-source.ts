/**
 * A RawSource over logs saved on another machine (`--kmsg FILE|-`, `--journal FILE`): the runbook case
 * where a customer sends `dmesg` or `journalctl` output. Nothing of this machine is read: its processes,
 * records and logs would describe a different host, so every other read answers NOTCAPTURED and the
 * target is diagnosed as a dead process from the saved logs alone, by the same parsers a live run uses.
 */
import * as fs from 'fs';
import { INPUT_BOUNDS, readBounded } from './bounded-read';
import { fail, type RawSource, type Read } from './types';
import { toJournalJsonLines } from './journal/saved-forms';

export class SavedLogError extends Error {}

/**
 * Read a saved log the user named (`-`: stdin). The path is theirs to choose: it is read as given, within
 * bounds (a regular file or a pipe, at most 256 MiB, a pipe ending within a minute: src/source/bounded-read.ts).
 */
export function readSavedLog(file: string, what: string): SavedLog {
  try {
    const text = readBounded(file, what, INPUT_BOUNDS);
    // The file's mtime dates year-less syslog stamps (kernel-log/wall-time.ts); stdin has none worth using.
    let mtimeMs: number | null = null;
    if (file !== '-') {
      try {
        mtimeMs = fs.statSync(file).mtimeMs;
      } catch {
        mtimeMs = null;
      }
    }
    return { text, name: file === '-' ? 'stdin' : file, mtimeMs };
  } catch (e) {
    throw new SavedLogError((e as Error).message);
  }
}

export interface SavedLog {
  text: string;
  /** For sentences: the file name, or `stdin`. */
  name: string;
  /** The file's modification time (ms), when it has one. */
  mtimeMs?: number | null;
}

const notSaved = <T>(what: string): Read<T> => fail<T>('NOTCAPTURED', `${what}: not in the saved logs`);

/** The boot the saved JSON logs belong to (their last _BOOT_ID), so their records count as "this boot". */
function lastBootId(...texts: Array<string | undefined>): string | null {
  let found: string | null = null;
  for (const t of texts) {
    if (!t) continue;
    const re = /"_BOOT_ID"\s*:\s*"([0-9a-f]{32})"/g;
    for (let m = re.exec(t); m; m = re.exec(t)) found = m[1];
  }
  return found;
}

function dashed(id: string): string {
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}

export function createSavedEvidenceSource(given: { kernel?: SavedLog; journal?: SavedLog }): RawSource {
  const now = Date.now();
  // journalctl's pretty, seq, export and verbose forms and `dmesg -J` read as journal JSON lines.
  const normal = (l: SavedLog | undefined): SavedLog | undefined => l && { ...l, text: toJournalJsonLines(l.text) };
  const saved = { kernel: normal(given.kernel), journal: normal(given.journal) };
  const boot = lastBootId(saved.kernel?.text, saved.journal?.text);
  // A whole machine's journal holds the kernel's records too (`_TRANSPORT=kernel` entries; `host kernel:`
  // lines in journalctl's text forms): without a separate --kmsg they are its kernel log (the reader keeps
  // only those, never another program's lines).
  const kernelOfJournal =
    saved.journal && /"_TRANSPORT"\s*:\s*"kernel"|(?:^|\n)[^\n{]* kernel: /.test(saved.journal.text)
      ? saved.journal
      : null;
  return {
    // 'bundle': a replay of saved facts, never a look at this machine.
    kind: 'bundle',
    readText: (path) =>
      path === '/proc/sys/kernel/random/boot_id' && boot ? { ok: true, value: `${dashed(boot)}\n` } : notSaved(path),
    readLink: (path) => notSaved(path),
    listDir: (path) => notSaved(path),
    envNames: () => notSaved('environment'),
    readKmsg: () => notSaved('/dev/kmsg'),
    command: (argv) => notSaved(argv.join(' ')),
    hostname: () => 'saved logs',
    now: () => now,
    savedLog: (kind) => (kind === 'kernel' ? (saved.kernel ?? kernelOfJournal) : (saved.journal ?? null)),
  };
}
