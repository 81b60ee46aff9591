/** The list that precedes several reports: one line per match, newest first. Pure. */
import { PRESENTERS } from '../model/sections';
import type { Report } from '../engine/types';
import type { RenderOptions } from './types';
import { escapeControl } from '../util/escape';
import { statusWord } from './ansi';
import { causeLine } from './describe';
import { hanging } from './wrap';
import { humanTime } from './time';
import { eventWords, joinWords } from './words';

/** `zombie, killed by SIGKILL` from the existence finding's wait status (stat field 52), when it has one. */
function zombieWords(r: Report): string {
  const ex = r.checks.find((f) => f.id === PRESENTERS.existence)?.evidence.exitStatus;
  if (!ex || typeof ex !== 'object' || Array.isArray(ex)) return 'zombie';
  if (typeof ex.signal === 'string') return `zombie, killed by ${escapeControl(ex.signal)}`;
  return typeof ex.exitCode === 'number' ? `zombie, exited with code ${ex.exitCode}` : 'zombie';
}

/** One line per match for the list that precedes several reports: status, pid, name, when, what. */
export function matchLine(r: Report, opts: RenderOptions): string {
  const status = statusWord(r.verdict.status, opts.color) + ' '.repeat(Math.max(1, 9 - r.verdict.status.length));
  const pid = String(r.target.pid ?? '-').padStart(7);
  const name = escapeControl(
    r.process?.comm ??
      (typeof r.verdict.cause?.details?.comm === 'string' ? r.verdict.cause.details.comm : r.target.query),
  );
  const dies = r.risks.filter((k) => k.outcome === 'dies').map((k) => eventWords(k.event));
  const when = r.process
    ? `started ${humanTime(r.process.startTime, r.generatedAt)}`
    : r.verdict.cause?.time
      ? `died ${humanTime(r.verdict.cause.time, r.generatedAt)}`
      : '';
  const what =
    r.verdict.status === 'at-risk' && dies.length > 0
      ? `dies at ${joinWords(dies)}`
      : r.verdict.cause
        ? causeLine(r.verdict.cause, undefined, { time: false, from: false })
        : r.verdict.status === 'ok'
          ? 'no threat found'
          : r.verdict.status === 'uncertain'
            ? `undecided: ${joinWords(r.risks.filter((k) => k.outcome === 'unknown').map((k) => eventWords(k.event)))}`
            : r.state === 'zombie'
              ? zombieWords(r)
              : r.state;
  const body = [name, when, what].filter((s) => s !== '').join(' · ');
  return hanging(`  ${status}${pid}  `, 2 + 9 + 7 + 2, body, opts.width).join('\n');
}
