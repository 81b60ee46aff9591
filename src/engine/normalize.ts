/**
 * Turning whatever a check returned into a Finding. Built-in checks are typed, but plugins are plain
 * JavaScript: their results are validated here so a sloppy plugin yields an `error` finding instead of
 * a report that breaks the JSON contract.
 */
import { CAUSE_SOURCE_INFO } from '../source/cause';
import type {
  Cause,
  CauseKind,
  CauseSource,
  CheckMeta,
  Evidence,
  FindingInput,
  JsonValue,
  Remedy,
  Status,
} from './types';

const STATUSES: readonly Status[] = ['pass', 'info', 'warn', 'fail', 'skip', 'error'];
const CAUSE_KINDS: readonly CauseKind[] = ['oom-kill', 'segfault', 'trap', 'signal', 'exit', 'unknown'];
const CAUSE_SOURCES = Object.keys(CAUSE_SOURCE_INFO) as CauseSource[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Deep copy into plain JSON: bigint -> string, non-finite numbers -> null, functions/undefined dropped, cycles cut. */
function toJson(v: unknown, seen: Set<object> = new Set()): JsonValue | undefined {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v.toString();
    case 'object': {
      if (v === null) return null;
      if (seen.has(v)) return '[circular]';
      seen.add(v);
      try {
        if (Array.isArray(v)) return v.map((x) => toJson(x, seen) ?? null);
        const out: { [k: string]: JsonValue } = {};
        for (const [k, x] of Object.entries(v)) {
          const j = toJson(x, seen);
          if (j !== undefined) out[k] = j;
        }
        return out;
      } finally {
        seen.delete(v);
      }
    }
    default:
      return undefined;
  }
}

function toEvidence(v: unknown): Evidence {
  const j = toJson(v);
  return isObject(j) ? (j as Evidence) : {};
}

export interface FindingProblem {
  code: 'unknown-code' | 'invalid-finding';
  message: string;
}

/** Returns the problem with a check's result, or null when it is a valid FindingInput for `meta`. */
export function findingProblem(meta: CheckMeta, r: unknown): FindingProblem | null {
  const message = shapeProblem(meta, r);
  if (message === null) return null;
  return { code: message.includes('meta.codes') ? 'unknown-code' : 'invalid-finding', message };
}

function shapeProblem(meta: CheckMeta, r: unknown): string | null {
  if (!isObject(r)) return `returned ${r === null ? 'null' : typeof r} instead of a finding`;
  if (typeof r.status !== 'string' || !STATUSES.includes(r.status as Status))
    return `returned unknown status ${JSON.stringify(r.status)}`;
  if (typeof r.code !== 'string' || r.code === '') return 'returned a finding without a code';
  if (meta.codes && !Object.prototype.hasOwnProperty.call(meta.codes, r.code))
    return `returned code '${r.code}', which is not in meta.codes`;
  if (typeof r.summary !== 'string') return 'returned a finding without a summary';
  if (r.details !== undefined && !isStringArray(r.details)) return 'returned details that are not a list of strings';
  if (r.evidence !== undefined && !isObject(r.evidence)) return 'returned evidence that is not an object';
  if (
    r.remedy !== undefined &&
    !(isObject(r.remedy) && typeof r.remedy.text === 'string' && isStringArray(r.remedy.commands))
  ) {
    return 'returned a remedy without text and commands';
  }
  if (r.cause !== undefined) {
    const c = r.cause;
    if (
      !isObject(c) ||
      !CAUSE_KINDS.includes(c.kind as CauseKind) ||
      !CAUSE_SOURCES.includes(c.source as CauseSource)
    ) {
      return 'returned a cause with an unknown kind or source';
    }
  }
  return null;
}

/** Copy only the known fields of a validated input (plugins may attach anything else). */
export function cleanInput(r: FindingInput): FindingInput {
  const out: FindingInput = { status: r.status, code: r.code, summary: r.summary };
  if (r.details) out.details = [...r.details];
  if (r.evidence) out.evidence = toEvidence(r.evidence);
  if (r.remedy) out.remedy = { text: r.remedy.text, commands: [...r.remedy.commands] } satisfies Remedy;
  if (r.cause) out.cause = cleanCause(r.cause);
  return out;
}

function cleanCause(c: Cause): Cause {
  const out: Cause = { kind: c.kind, source: c.source };
  if (typeof c.signal === 'string') out.signal = c.signal;
  if (typeof c.exitCode === 'number' && Number.isInteger(c.exitCode)) out.exitCode = c.exitCode;
  if (isObject(c.sender) && typeof c.sender.pid === 'number' && typeof c.sender.comm === 'string') {
    out.sender = { pid: c.sender.pid, comm: c.sender.comm };
    if (typeof c.sender.uid === 'number') out.sender.uid = c.sender.uid;
  }
  if (typeof c.time === 'string') out.time = c.time;
  if (c.details !== undefined) out.details = toEvidence(c.details);
  return out;
}
