/**
 * A capture bundle holds what the diagnosis of its target used and nothing else. The live source records
 * every read whole; before the bundle is written, the texts that cover other processes are cut down:
 *
 * - the kernel log (/dev/kmsg, `dmesg`, `journalctl -k`): only the records of the target's deaths and hung
 *   tasks (by pid) and of the deaths of processes with its name (which the kernel-log check counts), plus
 *   the oldest record's time under a neutral message; crash-report rate-limit notices, with the crash lines
 *   that date their windows reduced to their time stamps;
 * - the record store (`records.jsonl`, `records.1.jsonl`): only the target pid's records; every other line
 *   is left empty, so the replay still counts how many records the store held;
 * - journal queries that are not about the target (earlyoom / systemd-oomd kills): only entries naming its pid.
 * Other processes (stat, command lines, fd lists) and the socket tables are cut to what the report shows
 * (bundle-processes.ts); the environment is names only.
 */
import type { Bundle, Recorded } from './bundle';
import { isRecordedError } from './bundle';
import { findDeaths, findHungTasks } from './kernel-log/incidents';
import { keepKernelRecords } from './kernel-log/minimize';
import { scanKernelText, type ScanClock } from './kernel-log/records';
import { isSuppressionNotice, RATE_LIMITED_PLACEHOLDER, windowLines } from './kernel-log/suppressed';
import type { KernelLogFormat } from './kernel-log/types';
import { minimizeProcesses } from './bundle-processes';

export interface BundleSubject {
  pid: number;
  /** Names the kernel-log check matched deaths by (the live or zombie process's comm); empty when dead. */
  names: string[];
}

const RECORD_FILES = /\/records(\.1)?\.jsonl$/;

function cutKernel(
  v: Recorded<string> | null,
  format: KernelLogFormat,
  who: BundleSubject,
  clock: ScanClock,
): Recorded<string> | null {
  if (v === null || isRecordedError(v)) return v;
  const records = scanKernelText(v, format, clock).records;
  const deaths = [
    ...findDeaths(records, { pid: who.pid }),
    ...who.names.flatMap((name) => findDeaths(records, { name })),
  ];
  const wanted = new Set<string>([
    ...deaths.flatMap((d) => d.raw),
    ...findHungTasks(records, { pid: who.pid }).map((h) => h.raw),
  ]);
  // Rate-limit notices name no process; the crash lines that date their windows keep only their time.
  const dating = new Set<number>();
  records.forEach((r, i) => {
    if (isSuppressionNotice(r.message)) for (const w of windowLines(records, i)) dating.add(w.seq);
  });
  return keepKernelRecords(v, format, clock, (r) => wanted.has(r.message) || isSuppressionNotice(r.message), {
    accept: (r) => dating.has(r.seq),
    message: RATE_LIMITED_PLACEHOLDER,
  });
}

function cutRecords(text: string, pid: number): string {
  const needle = `"pid":${pid},`;
  return text
    .split('\n')
    .map((l) => (l.includes(needle) ? l : ''))
    .join('\n');
}

function pidWord(pid: number): RegExp {
  return new RegExp(`(^|[^0-9])${pid}([^0-9]|$)`);
}

export function minimizeBundle(b: Bundle, who: BundleSubject, clock: ScanClock): Bundle {
  const texts = { ...b.texts };
  for (const [file, v] of Object.entries(texts)) {
    if (RECORD_FILES.test(file) && typeof v === 'string') texts[file] = cutRecords(v, who.pid);
  }
  const commands = { ...b.commands };
  for (const [key, v] of Object.entries(commands)) {
    let argv: unknown;
    try {
      argv = JSON.parse(key);
    } catch {
      continue;
    }
    if (!Array.isArray(argv)) continue;
    const args = argv.map(String);
    if (args[0] === 'dmesg') commands[key] = cutKernel(v, 'dmesg', who, clock) as Recorded<string>;
    else if (args[0] === 'journalctl' && args.includes('-k'))
      commands[key] = cutKernel(v, 'journal-json', who, clock) as Recorded<string>;
    else if (
      args[0] === 'journalctl' &&
      args.some((a) => a.startsWith('SYSLOG_IDENTIFIER=')) &&
      typeof v === 'string'
    ) {
      const word = pidWord(who.pid);
      commands[key] = v
        .split('\n')
        .filter((l) => word.test(l))
        .join('\n');
    }
  }
  // Other processes, fd lists and socket tables: only what the report shows (bundle-processes.ts).
  return minimizeProcesses({ ...b, texts, commands, kmsg: cutKernel(b.kmsg, 'kmsg', who, clock) }, who.pid);
}
