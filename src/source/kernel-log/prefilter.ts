/**
 * The cheap part of parsing: keywords that every interesting record contains. A log is mostly
 * noise (driver chatter, call traces), so we find these with indexOf over the whole text (a fast
 * byte search) and run regexes only on the few lines that contain one.
 */
export const KERNEL_KEYWORDS: readonly string[] = [
  'invoked oom-killer', // oom-header
  'ut of memory', // Out of memory: / Memory cgroup out of memory: (select, 5.1+ killed)
  'Killed process', // < 5.1 killed line
  'oom-kill:', // 4.19+ summary
  'killed as a result of limit', // pre-4.19 memcg Task in
  'memory: usage', // memcg usage
  'oom_reaper', // reaped / unable to reap
  ': segfault at', // segfault
  '] trap ', // traps: c[N] trap divide error ...
  '] general protection', // general protection (fault)
  'type=1701', // audit ANOM_ABEND (numeric)
  'ANOM_ABEND', // audit ANOM_ABEND (named)
  'blocked for more than', // hung task
  ' Comm: ', // dump_stack's CPU/PID/Comm line after an oom header
];

/** True when one message could be an event (same keywords, for already-split records). */
export function mayBeEvent(message: string): boolean {
  for (const k of KERNEL_KEYWORDS) if (message.indexOf(k) !== -1) return true;
  return false;
}

/**
 * Start offsets of the lines of `text` that contain a keyword, ascending and unique.
 * One indexOf pass per keyword; no per-line work for lines without one.
 */
export function candidateLineStarts(text: string, keywords: readonly string[] = KERNEL_KEYWORDS): number[] {
  const starts: number[] = [];
  for (const k of keywords) {
    let at = text.indexOf(k);
    while (at !== -1) {
      const lineStart = text.lastIndexOf('\n', at) + 1;
      starts.push(lineStart);
      const lineEnd = text.indexOf('\n', at);
      if (lineEnd === -1) break;
      at = text.indexOf(k, lineEnd + 1);
    }
  }
  starts.sort((a, b) => a - b);
  const out: number[] = [];
  for (const s of starts) if (out.length === 0 || out[out.length - 1] !== s) out.push(s);
  return out;
}
