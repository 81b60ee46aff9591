/**
 * Cutting a kernel log down to what one diagnosis used, for capture bundles. The whole log holds other
 * people's data (`Kernel command line: ... password=...`, `with environment: HOME=/ ...`, other processes'
 * names and crashes); a bundle keeps only the records that make up the deaths and hung tasks of its target
 * (by pid, and by name for the same-name deaths the kernel-log check counts), plus the time stamp of the
 * oldest record under a neutral message, so a replay still knows how far back the log reached.
 */
import type { KernelLogFormat, KernelRecord } from './types';
import { scanKernelText, type ScanClock } from './records';

const OMITTED_MESSAGE = 'whydied: the other kernel records were left out of this bundle';

const KMSG_PREFIX = /^(\d+),(\d+),(\d+),[^;]*;/;

function lineAt(text: string, start: number): { line: string; end: number } {
  const nl = text.indexOf('\n', start);
  const end = nl === -1 ? text.length : nl;
  return { line: text.slice(start, end), end };
}

/** A record's line with its message replaced (the time stamp and priority kept); null when it has none. */
function maskedLine(line: string, format: KernelLogFormat, message: string): string | null {
  if (format === 'kmsg') {
    const m = KMSG_PREFIX.exec(line);
    return m ? `${m[0]}${message}` : null;
  }
  if (format === 'journal-json') {
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      const keep: Record<string, unknown> = { MESSAGE: message };
      for (const k of [
        '__REALTIME_TIMESTAMP',
        '__MONOTONIC_TIMESTAMP',
        '_SOURCE_MONOTONIC_TIMESTAMP',
        '_BOOT_ID',
        'PRIORITY',
      ]) {
        if (k in o) keep[k] = o[k];
      }
      return JSON.stringify(keep);
    } catch {
      return null;
    }
  }
  // dmesg: `<6>[    1.234567] message` or `[    1.234567] message`.
  const m = /^(<\d+>)?\[\s*\d+\.\d+\]\s?/.exec(line);
  return m ? `${m[0]}${message}` : null;
}

/** The first line that carries a time stamp, with its message replaced (null when none does). */
function anchorLine(text: string, format: KernelLogFormat, kept: (seqOrOffset: number) => boolean): string | null {
  let start = 0;
  for (let i = 0; i < 50 && start < text.length; i++) {
    const at = start;
    const { line, end } = lineAt(text, start);
    start = end + 1;
    if (format === 'kmsg') {
      const m = KMSG_PREFIX.exec(line);
      if (m) return kept(Number(m[2])) ? null : `${m[0]}${OMITTED_MESSAGE}`;
      continue;
    }
    // The oldest record is kept as it is: no placeholder needed.
    if (kept(at)) return null;
    const masked = maskedLine(line, format, OMITTED_MESSAGE);
    if (masked !== null) return masked;
  }
  return null;
}

/**
 * The text of the records `keep` accepts (whole lines, plus a dmesg record's indented continuations),
 * and of those `mask` accepts as `maskMessage` with only their time stamps (records the diagnosis used
 * for their time alone).
 */
export function keepKernelRecords(
  text: string,
  format: KernelLogFormat,
  clock: ScanClock,
  keep: (r: KernelRecord) => boolean,
  mask: { accept: (r: KernelRecord) => boolean; message: string } | null = null,
): string {
  const all = scanKernelText(text, format, clock).records;
  const masked = new Set(mask === null ? [] : all.filter((r) => !keep(r) && mask.accept(r)).map((r) => r.seq));
  const wanted = all.filter((r) => keep(r) || masked.has(r.seq));
  const out: string[] = [];
  const keptAt = new Set(wanted.map((r) => r.seq));
  const anchor = anchorLine(text, format, (n) => keptAt.has(n));
  if (anchor !== null) out.push(anchor);
  if (format === 'kmsg') {
    const seqs = new Set(wanted.map((r) => r.seq));
    for (const line of text.split('\n')) {
      const m = KMSG_PREFIX.exec(line);
      if (!m || !seqs.has(Number(m[2]))) continue;
      out.push(masked.has(Number(m[2])) && mask ? `${m[0]}${mask.message}` : line);
    }
  } else {
    for (const r of wanted) {
      let { line, end } = lineAt(text, r.seq);
      if (masked.has(r.seq) && mask) {
        const m = maskedLine(line, format, mask.message);
        if (m !== null) out.push(m);
        continue;
      }
      out.push(line);
      // dmesg prints a comm with a newline as indented continuation lines.
      while (format !== 'journal-json' && end < text.length) {
        ({ line, end } = lineAt(text, end + 1));
        if (!/^[ \t]/.test(line) || line.trim() === '') break;
        out.push(line);
      }
    }
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
