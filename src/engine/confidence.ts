/**
 * How far a proposed cause can be trusted. A watch or a record saw this very process end
 * (pid + start time + boot id); a kernel log or journal line is matched after the fact, by pid and,
 * where known, name and time. Pure: reads only the finding and the target.
 */
import type { Cause, CauseConfidence, CheckTarget, Finding } from './types';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The kernel truncates comm to 15 bytes: a longer name agrees when its first 15 do. */
function sameName(a: string, b: string): boolean {
  return (
    a === b || (a.length >= 15 && b.startsWith(a.slice(0, 15))) || (b.length >= 15 && a.startsWith(b.slice(0, 15)))
  );
}

function ofRecord(f: Finding): CauseConfidence {
  // records.ts says how the record was matched; only a pid-only match (start time unknown) is weaker.
  return f.evidence.match === 'pid' ? 'likely' : 'confirmed';
}

function ofLog(c: Cause, target: CheckTarget, f: Finding): CauseConfidence {
  const d = c.details ?? {};
  const comm = str(d.comm) ?? str(f.evidence.comm);
  const pidAgrees = d.pid === undefined || d.pid === target.pid;
  // The name is compared only when the target has one that did not come from this very log line.
  const nameAgrees = target.name !== null && comm !== null && sameName(comm, target.name);
  // Time agrees when the death is after a known start of the target (the check filtered on it).
  const timeAgrees = target.startTime !== null && c.time !== undefined;
  return pidAgrees && nameAgrees && timeAgrees ? 'likely' : 'possible';
}

export function confidenceOf(c: Cause, target: CheckTarget, f: Finding): CauseConfidence {
  if (c.kind === 'unknown') return 'possible';
  switch (c.source) {
    case 'watch':
      return 'confirmed';
    case 'record':
      return ofRecord(f);
    case 'kernel-log':
    case 'journal':
    case 'systemd':
      return ofLog(c, target, f);
    case 'plugin':
      return 'possible';
  }
}

/**
 * Every finding's cause gets its confidence; returns the findings (copied where changed) and the
 * verdict's cause mapped to its copy (the verdict picked one of the findings' cause objects).
 */
export function withConfidence(
  findings: Finding[],
  verdictCause: Cause | null,
  target: CheckTarget,
): { findings: Finding[]; cause: Cause | null } {
  let cause = verdictCause;
  const out = findings.map((f) => {
    if (!f.cause) return f;
    const copy: Cause = { ...f.cause, confidence: f.cause.confidence ?? confidenceOf(f.cause, target, f) };
    if (f.cause === verdictCause) cause = copy;
    return { ...f, cause: copy };
  });
  if (cause && cause === verdictCause && cause.confidence === undefined) cause = { ...cause, confidence: 'possible' };
  return { findings: out, cause };
}
