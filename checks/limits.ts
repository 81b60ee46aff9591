/**
 * limits: the resource limits that end a process when it reaches them (RLIMIT_CPU's SIGXCPU and SIGKILL,
 * RLIMIT_FSIZE's SIGXFSZ, RLIMIT_RTTIME for a realtime task), how close it is, and the limits that only make
 * a call fail. A presentation of the model's limits section (src/model/limits.ts), which cites the kernel.
 */
import type { Check } from '../src/engine/types';
import { fsizeNearWriter, type CpuLimit, type LimitsSection } from '../src/model/limits';
import { decideEvent, evidenceWith } from '../src/engine/survival';

/** The finding's code for each rule of the resource-limit row. */
const CODES: Readonly<Record<string, string>> = {
  'limit.cpu-near': 'cpu-near',
  'limit.fsize-near': 'fsize-near',
  'limit.rttime': 'limit-set',
  'limit.cpu-set': 'limit-set',
  'limit.fsize-set': 'limit-set',
  'limit.handled': 'handled',
  'limit.none': 'none',
};

const secs = (s: number): string => (s >= 100 ? `${Math.round(s)} s` : `${Math.round(s * 100) / 100} s`);
const lim = (n: number | null, unit: string): string => (n === null ? 'unlimited' : `${n} ${unit}`);

export function cpuWords(c: CpuLimit): string {
  const at = c.diesBy === 'SIGXCPU' ? `SIGXCPU at ${c.softSec} s` : c.diesBy ? `SIGKILL at ${c.hardSec} s` : 'nothing';
  const eta =
    c.etaSec !== null
      ? `; at its average rate (${secs(c.usedSec)} in ${secs(c.ageSec)}) in about ${secs(c.etaSec)}`
      : '';
  return `RLIMIT_CPU soft ${c.softSec} s, hard ${lim(c.hardSec, 's')}: it has used ${secs(c.usedSec)} of CPU; ${at}${eta}`;
}

function details(l: LimitsSection): string[] {
  const out: string[] = [];
  if (l.cpu) out.push(`${cpuWords(l.cpu)} (SIGXCPU ${l.cpu.sigxcpu}).`);
  if (l.fsize) {
    const f = l.fsize;
    out.push(
      `RLIMIT_FSIZE soft ${f.softBytes} bytes, hard ${lim(f.hardBytes, 'bytes')}: a write at or past it gets SIGXFSZ (${f.sigxfsz}${f.kills ? ', which ends it' : ': EFBIG only'}).`,
    );
    for (const w of f.writers)
      out.push(`Open for writing: fd ${w.fd} ${w.path}, next write at byte ${w.pos}${w.append ? ' (O_APPEND)' : ''}.`);
    if (f.writersUnread) out.push(`Its open files could not be read: ${f.writersUnread}.`);
  }
  if (l.rttime)
    out.push(
      `RLIMIT_RTTIME soft ${l.rttime.softUs} µs, hard ${lim(l.rttime.hardUs, 'µs')}; scheduling policy ${l.rttime.policy ?? 'not realtime (the limit does not apply)'}.`,
    );
  for (const q of l.quiet) out.push(`${q.name}: ${q.soft} (hard ${lim(q.hard, '')}`.trimEnd() + `): ${q.effect}.`);
  return out;
}

export const limits: Check = {
  meta: {
    id: 'limits',
    title: 'Resource limits',
    description:
      '/proc/PID/limits: RLIMIT_CPU against the CPU time used (stat utime+stime), RLIMIT_FSIZE against the write position of its open files, RLIMIT_RTTIME for a realtime task; the limits that only make a call fail.',
    requires: ['existence'],
    codes: {
      'cpu-near': 'Its CPU-time limit is near: SIGXCPU (or SIGKILL at the hard limit) ends it soon.',
      'fsize-near': 'A file it writes is near its file-size limit: a write past it ends it with SIGXFSZ.',
      'limit-set':
        'A limit that ends it is set (RLIMIT_CPU, RLIMIT_FSIZE, or RLIMIT_RTTIME for a realtime task), not near yet.',
      handled:
        'A limit is set, but the program catches its signal (or ignores SIGXFSZ: a write past it fails with EFBIG): the program decides.',
      none: 'No limit that ends it with a signal is set.',
      zombie: 'The process has exited: its limits no longer matter.',
      unreadable: '/proc/PID/limits could not be read.',
    },
  },
  run(ctx) {
    if (ctx.model.existence.state === 'zombie')
      return { status: 'skip', code: 'zombie', summary: 'Not checked: the process has exited (zombie).' };
    const read = ctx.model.limits;
    if (!read.ok) return { status: 'info', code: 'unreadable', summary: read.message };
    const l = read.value;
    const evidence = l;
    const d = details(l);
    // The row's own rule decides the status (src/engine/survival/resource-limit.ts): one threshold, one place.
    const rule = decideEvent('resource-limit', evidenceWith({ limits: l }));
    const status = rule.code === 'limit.none' ? 'pass' : rule.confidence === 'likely' ? 'warn' : 'info';
    const code = CODES[rule.code] ?? 'none';
    const w = l.fsize ? fsizeNearWriter(l.fsize) : null;
    const summary =
      code === 'cpu-near' && l.cpu
        ? `Near its CPU-time limit: ${cpuWords(l.cpu)}.`
        : code === 'fsize-near' && l.fsize && w
          ? `Near its file-size limit (RLIMIT_FSIZE ${l.fsize.softBytes} bytes): fd ${w.fd} ${w.path} is at byte ${w.pos}; a write at or past the limit ends it with SIGXFSZ.`
          : code === 'none'
            ? 'No resource limit that ends it is set (RLIMIT_CPU and RLIMIT_FSIZE unlimited, or their signal ignored).'
            : `${rule.reason.charAt(0).toUpperCase()}${rule.reason.slice(1)}.`;
    return { status, code, summary, details: d, evidence };
  },
};
