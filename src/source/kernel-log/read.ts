/**
 * Read the kernel log through the RawSource: /dev/kmsg first (sequence numbers, exact monotonic
 * times), else `dmesg`, else `journalctl -k` (the only one that also reaches earlier boots).
 * Each failure is kept as a sentence so a "nothing found" report can say what it could not read.
 */
import type { Facts, Read } from '../types';
import { detectFormat, scanKernelText, type ScanClock } from './records';
import type { KernelRecord } from './types';

export type KernelLogSource = 'kmsg' | 'dmesg' | 'journalctl' | 'file';

export interface KernelLogRead {
  /** Records that passed the keyword pre-filter (every record that can hold an event), log order. */
  records: KernelRecord[];
  /** Where the current boot's records came from; null when nothing was readable. */
  source: KernelLogSource | null;
  /** `current`, or the boot id when the records only cover an earlier boot. */
  boot: 'current' | string;
  /** One sentence per source that could not be read, and why. */
  unreadable: string[];
  /** Wall-clock ms of the oldest record read for the current boot (older history is gone). */
  oldestTimeMs: number | null;
  /** Boot ids of earlier boots whose kernel records were read from the journal. */
  earlierBoots: string[];
  /** Where the records came from, for sentences (`/dev/kmsg`, `dmesg`, `journalctl -k`, a file name). */
  label: string | null;
  /**
   * `child` when whydied itself runs inside a PID namespace (a container): the kernel log prints pids of
   * the initial namespace, which are not the pids whydied sees, so a death cannot be matched by pid.
   * `initial` when it runs in the initial one; `unknown` when that cannot be told (or a saved log).
   */
  pidNamespace: 'initial' | 'child' | 'unknown';
}

/** The initial PID namespace's inode (PROC_PID_INIT_INO, include/linux/proc_ns.h, fixed since 3.8). */
const INIT_PID_NS = 'pid:[4026531836]';

function pidNamespaceOf(facts: Facts): KernelLogRead['pidNamespace'] {
  const l = facts.raw.readLink('/proc/self/ns/pid');
  if (!l.ok) return 'unknown';
  return l.value === INIT_PID_NS ? 'initial' : 'child';
}

const DMESG_TIMEOUT_MS = 5000;
const JOURNAL_TIMEOUT_MS = 10000;

function why(r: Read<string>, what: string): string {
  if (r.ok) return '';
  if (r.code === 'EPERM' || r.code === 'EACCES') {
    return `${what}: permission denied (kernel.dmesg_restrict=1 hides the kernel log from unprivileged users; run as root or sudo)`;
  }
  if (r.code === 'ENOENT') return `${what}: not available (${r.message})`;
  if (r.code === 'NOTCAPTURED') return `${what}: not in the bundle`;
  return `${what}: ${r.message}`;
}

function dmesgRead(facts: Facts): Read<string> {
  // --raw keeps the priority and never localises the timestamp; -x is the fallback for old util-linux.
  const raw = facts.raw.command(['dmesg', '--raw'], DMESG_TIMEOUT_MS);
  if (raw.ok || raw.code === 'ENOENT' || raw.code === 'EPERM' || raw.code === 'EACCES') return raw;
  return facts.raw.command(['dmesg'], DMESG_TIMEOUT_MS);
}

function journalArgs(boot: string): string[] {
  return ['journalctl', '-k', '-b', boot, '-o', 'json', '--no-pager', '-q'];
}

const memo = new WeakMap<Facts, KernelLogRead>();

/** The kernel log as far as it can be read, memoised per Facts. */
export function readKernelLog(facts: Facts): KernelLogRead {
  const cached = memo.get(facts);
  if (cached) return cached;
  const host = facts.host();
  const clock: ScanClock = { bootTimeMs: host.bootTime > 0 ? host.bootTime * 1000 : null, currentBootId: host.bootId };
  const saved = facts.raw.savedLog?.('kernel') ?? null;
  if (saved) {
    // Another machine's log (--kmsg): whatever its format (kmsg, dmesg, dmesg -x, journalctl -k text or JSON).
    const s = scanKernelText(saved.text, detectFormat(saved.text), { ...clock, fileMtimeMs: saved.mtimeMs ?? null });
    const result: KernelLogRead = {
      records: s.records,
      source: 'file',
      boot: 'current',
      unreadable: [],
      oldestTimeMs: s.oldestTimeMs,
      earlierBoots: [],
      label: saved.name,
      pidNamespace: 'unknown',
    };
    memo.set(facts, result);
    return result;
  }
  const unreadable: string[] = [];
  let records: KernelRecord[] = [];
  let source: KernelLogSource | null = null;
  let oldestTimeMs: number | null = null;

  const kmsg = facts.raw.readKmsg();
  if (kmsg.ok) {
    const s = scanKernelText(kmsg.value, 'kmsg', clock);
    ({ records, oldestTimeMs } = s);
    source = 'kmsg';
  } else {
    unreadable.push(why(kmsg, '/dev/kmsg'));
    const dmesg = dmesgRead(facts);
    if (dmesg.ok) {
      const s = scanKernelText(dmesg.value, 'dmesg', clock);
      ({ records, oldestTimeMs } = s);
      source = 'dmesg';
    } else {
      unreadable.push(why(dmesg, 'dmesg'));
    }
  }

  // journalctl answers "no journal files" with exit 0 and no output: only a journal that exists is a source.
  const journalFiles = (dir: string): boolean => {
    const l = facts.raw.listDir(dir);
    return l.ok && l.value.length > 0;
  };
  const hasPersistentJournal = journalFiles('/var/log/journal');
  const hasJournal = hasPersistentJournal || journalFiles('/run/log/journal');
  if (source === null && !hasJournal)
    unreadable.push('journalctl -k: no journal files in /run/log/journal or /var/log/journal');
  const journalNow = source === null && hasJournal ? facts.raw.command(journalArgs('0'), JOURNAL_TIMEOUT_MS) : null;
  if (journalNow && journalNow.ok) {
    const s = scanKernelText(journalNow.value, 'journal-json', clock);
    ({ records, oldestTimeMs } = s);
    source = 'journalctl';
  } else if (journalNow) {
    unreadable.push(why(journalNow, 'journalctl -k'));
  }

  // The previous boot's kernel messages survive only in a persistent journal.
  const earlierBoots: string[] = [];
  let journalPrev: Read<string> | null = null;
  // Only a persistent journal (/var/log/journal) keeps earlier boots: without one, spawning journalctl
  // would cost every diagnosis tens of milliseconds to learn nothing.
  if (hasPersistentJournal && !(journalNow && !journalNow.ok && journalNow.code === 'ENOENT')) {
    journalPrev = facts.raw.command(journalArgs('-1'), JOURNAL_TIMEOUT_MS);
  }
  if (journalPrev && journalPrev.ok) {
    const prev = scanKernelText(journalPrev.value, 'journal-json', { ...clock, boot: 'previous' });
    for (const r of prev.records) if (r.boot !== 'current' && !earlierBoots.includes(r.boot)) earlierBoots.push(r.boot);
    records = [...prev.records.filter((r) => r.boot !== 'current'), ...records];
  } else if (journalPrev && !unreadable.some((u) => u.startsWith('journalctl'))) {
    unreadable.push(why(journalPrev, 'journalctl -k -b -1 (earlier boots)'));
  }

  const boot = source === null && earlierBoots.length > 0 ? earlierBoots[0] : 'current';
  const label = source === 'kmsg' ? '/dev/kmsg' : source === 'journalctl' ? 'journalctl -k' : source;
  const result: KernelLogRead = {
    records,
    source,
    boot,
    unreadable: unreadable.filter((u) => u !== ''),
    oldestTimeMs,
    earlierBoots,
    label,
    pidNamespace: pidNamespaceOf(facts),
  };
  memo.set(facts, result);
  return result;
}
