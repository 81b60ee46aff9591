/**
 * The default, human renderer. Answer first: the first lines say the state, the cause or the threat, and
 * the one command that fixes it; then the survival matrix one line per event; then only the checks that
 * did not pass. Everything else (every check, details, durations, the process's identity, other remedies)
 * is under --verbose. Text is wrapped to the width without ever breaking a word, and commands sit on
 * lines of their own, unwrapped, so they can be pasted whole.
 */
import type { Cause, Finding, Report, Risk } from '../engine/types';
import type { RenderOptions, Renderer } from './types';
import { escapeControl } from '../util/escape';
import { paint, statusWord } from './ansi';
import { asList, causeLine, processLines, targetLine } from './describe';
import { hanging } from './wrap';
import { eventWords, joinWords } from './words';
import { matchLine } from './matches';
import { shellQuote } from '../util/shell-quote';
import { humanizeTimes } from './time';
import { remedyKindInfo } from '../engine/remedy-kinds';
import { PRESENTERS } from '../model/sections';

const LABEL = 10;
/** An alive target's state, threat and whole fix command fit in a terminal's first this many rows. */
const HEAD_ROWS = 5;

const HEADLINE: Record<string, string> = {
  ok: 'OK',
  'at-risk': 'AT RISK',
  uncertain: 'UNCERTAIN',
  died: 'DIED',
  unknown: 'UNKNOWN',
};

/** Escape process data and make its ISO times readable. */
const text = (s: string, r: Report): string => humanizeTimes(escapeControl(s), r.generatedAt);

function who(r: Report): string {
  const pid = r.process?.pid ?? r.target.pid;
  const comm = r.process?.comm;
  return comm !== undefined
    ? `${escapeControl(comm)} (pid ${pid})`
    : pid !== null
      ? `pid ${pid}`
      : escapeControl(r.target.query);
}

/**
 * The remedy the verdict leads with and what it does, in words (src/engine/remedy-kinds.ts): the report
 * carries each step's kind. A report from before revision 2.2 has the commands alone: plain "run:".
 */
function primaryFix(r: Report): { words: string; command: string } | null {
  const command = r.remedy[0];
  if (command === undefined) return null;
  const step = r.remedySteps?.[0];
  const kind = step && step.command === command ? remedyKindInfo(step.kind) : null;
  return { words: kind?.fix ?? 'run:', command };
}

interface Ctx {
  r: Report;
  opts: RenderOptions;
  out: string[];
}

const label = (c: Ctx, word: string): string => paint(word.padEnd(LABEL), 'bold', c.opts.color);

function block(c: Ctx, lbl: string, body: string): void {
  c.out.push(...hanging(label(c, lbl), LABEL, body, c.opts.width));
}

/** A command: on its own line, indented, never wrapped. */
function command(c: Ctx, cmd: string): void {
  c.out.push(`  ${escapeControl(cmd)}`);
}

function explainingFinding(r: Report): Finding | null {
  const cause = r.verdict.cause;
  if (!cause) return null;
  return (
    r.checks.find(
      (f) =>
        f.cause !== undefined &&
        f.cause.source === cause.source &&
        f.cause.time === cause.time &&
        f.cause.kind === cause.kind,
    ) ?? null
  );
}

function headline(c: Ctx): void {
  const { r } = c;
  const status = r.verdict.status;
  const word = HEADLINE[status] ?? status;
  const lbl = paint(
    word.padEnd(LABEL),
    ({ ok: 'green', 'at-risk': 'yellow', uncertain: 'yellow', died: 'red', unknown: 'gray' } as const)[status] ?? null,
    c.opts.color,
  );
  const dies = r.risks.filter((k) => k.outcome === 'dies');
  const open = r.risks.filter((k) => k.outcome === 'unknown');
  const body =
    status === 'at-risk' && r.state === 'alive' && dies.length > 0
      ? `${who(r)} is alive but dies at ${joinWords(dies.map((k) => eventWords(k.event)))}.`
      : status === 'uncertain' && r.state === 'alive' && open.length > 0
        ? `${who(r)} is alive; /proc cannot tell whether it survives ${joinWords(open.map((k) => eventWords(k.event)))}.`
        : text(r.verdict.summary, r);
  c.out.push(...hanging(lbl, LABEL, body, c.opts.width));
}

function causeBlock(c: Ctx, cause: Cause): void {
  block(c, 'Cause', causeLine(cause, c.r.generatedAt));
}

/**
 * Rows of a terminal `width` columns wide that `lines` take: a line longer than the width (a command is
 * never wrapped) takes more than one. Colour codes take none.
 */
function rows(lines: readonly string[], width: number | undefined): number {
  if (width === undefined) return lines.length;
  // eslint-disable-next-line no-control-regex
  const visible = (l: string): number => [...l.replace(/\x1b\[[0-9;]*m/g, '')].length;
  return lines.reduce((n, l) => n + Math.max(1, Math.ceil(visible(l) / width)), 0);
}

/**
 * An alive target's head: the state (already in c.out), what threatens it (or leaves it undecided), and the
 * command that fixes it. The whole command must be on the screen's first HEAD_ROWS rows (issue 20), so the
 * first of these that fits is used:
 *  1. the threat, `Fix  <what the command does>:`, the command;
 *  2. the threat with `Fix: <what the command does>:` as its last sentence, the command;
 *  3. the threat, the command, then `Fix  above: <what it does>` (the words after the command).
 * None drops a word; when even the third does not fit (a very long threat), it is used all the same: the
 * command is then as high as it can be without cutting the threat.
 */
function threatAndFix(c: Ctx, lbl: string, reason: string, fix: string | null, words: string): void {
  const width = c.opts.width;
  const threat = hanging(label(c, lbl), LABEL, reason, width);
  if (fix === null) {
    c.out.push(...threat);
    return;
  }
  const cmd = `  ${escapeControl(fix)}`;
  const fits = (lines: string[]): boolean => rows([...c.out, ...lines, cmd], width) <= HEAD_ROWS;
  const fixLine = hanging(label(c, 'Fix'), LABEL, words, width);
  if (width === undefined || fits([...threat, ...fixLine])) {
    c.out.push(...threat, ...fixLine, cmd);
    return;
  }
  const joined = hanging(label(c, lbl), LABEL, `${reason.replace(/\.$/, '')}. Fix: ${words}`, width);
  if (fits(joined)) {
    c.out.push(...joined, cmd);
    return;
  }
  const after = words === 'run:' ? 'the command above.' : `above: ${words.replace(/:$/, '')}.`;
  c.out.push(...threat, cmd, ...hanging(label(c, 'Fix'), LABEL, after, width));
}

function fixBlock(c: Ctx): void {
  const { r } = c;
  if (r.state === 'alive' && r.verdict.status === 'at-risk') {
    const dies = r.risks.filter((k) => k.outcome === 'dies');
    const fix = primaryFix(r);
    if (dies[0]) threatAndFix(c, 'Threat', text(dies[0].reason, r), fix?.command ?? null, fix?.words ?? '');
    else if (fix) {
      block(c, 'Fix', fix.words);
      command(c, fix.command);
    }
    return;
  }
  if (r.state === 'alive' && r.verdict.status === 'uncertain') {
    // Nothing certainly kills it, but /proc cannot decide one event: name it, and the command that settles it.
    const open = r.risks.find((k) => k.outcome === 'unknown');
    const fix = primaryFix(r);
    const words = fix ? `to be sure, ${fix.words}` : '';
    if (open) threatAndFix(c, 'Undecided', text(open.reason, r), fix?.command ?? null, words);
    else if (fix) {
      block(c, 'Fix', words);
      command(c, fix.command);
    }
    return;
  }
  if (r.verdict.cause) {
    causeBlock(c, r.verdict.cause);
    const advice = explainingFinding(r)?.remedy;
    if (advice && advice.text) {
      block(c, 'Fix', text(advice.text, r));
      for (const cmd of advice.commands) command(c, cmd);
    }
    return;
  }
  if (r.state === 'dead' || r.state === 'not-found') {
    // Nothing listening on a port is not a death to record.
    if (r.target.query.startsWith(':')) return;
    // Nothing recorded this death: say what would have, so the next one is explained.
    block(c, 'Next time', 'start it so that its end is recorded, or keep the recorder running (root):');
    // A name query names the launch too (quoted: it is what the user typed, pasted back into a shell).
    const byName = r.target.pid === null && !/^\d+$/.test(r.target.query);
    command(c, `whydied launch --name ${byName ? shellQuote(r.target.query) : 'NAME'} -- CMD ARGS...`);
    // On a systemd host the recorder that survives a reboot is its unit (`whydied record --print-unit`); its
    // default outputs add a Prometheus directory the unit fails without, so only the store and the journal.
    const su = r.checks.find((f) => f.id === PRESENTERS.serviceManager);
    if (su && su.status !== 'skip' && su.code !== 'no-manager')
      command(
        c,
        'whydied record --print-unit --output store,journal > /etc/systemd/system/whydied-record.service && systemctl enable --now whydied-record.service',
      );
    else command(c, 'whydied record --daemon');
  }
}

function survival(c: Ctx): void {
  const { r, opts } = c;
  if (r.risks.length === 0) return;
  const verbose = opts.verbose === true;
  // The row whose reason the header already printed (the threat, or the open question) is not repeated.
  const threat =
    r.verdict.status === 'at-risk'
      ? r.risks.find((k) => k.outcome === 'dies')
      : r.verdict.status === 'uncertain'
        ? r.risks.find((k) => k.outcome === 'unknown')
        : undefined;
  c.out.push('', paint('Survival', 'bold', opts.color));
  const ev = Math.max(...r.risks.map((k) => k.event.length)) + 2;
  for (const k of r.risks) {
    const outcome = statusWord(k.outcome, opts.color) + ' '.repeat(Math.max(1, 10 - k.outcome.length));
    const prefix = `  ${outcome}${k.event.padEnd(ev)}`;
    const width = 2 + 10 + ev;
    c.out.push(...hanging(prefix, width, reasonFor(k, threat, verbose, r), opts.width));
  }
}

function reasonFor(k: Risk, threat: Risk | undefined, verbose: boolean, r: Report): string {
  if (k === threat && !verbose) return k.outcome === 'dies' ? '(the threat above)' : '(undecided above)';
  // A survivor's reason is reassurance: under --verbose; a threat or an open question is shown.
  if (k.outcome === 'survives' && !verbose) return '';
  return text(k.reason, r);
}

function checks(c: Ctx): void {
  const { r, opts } = c;
  const verbose = opts.verbose === true;
  const explaining = explainingFinding(r);
  const cause = r.verdict.cause;
  // The same death told by another source (the watch and the record it saved): pointed at, not repeated.
  const sameDeath = (f: Finding): boolean =>
    f === explaining ||
    (cause !== null &&
      f.cause !== undefined &&
      f.cause.kind === cause.kind &&
      f.cause.signal === cause.signal &&
      Math.abs(Date.parse(f.cause.time ?? '') - Date.parse(cause.time ?? '')) < 2000);
  // A gone process's existence finding (its failure) is the headline itself.
  const isHeadline = (f: Finding): boolean =>
    f.id === PRESENTERS.existence && f.code === 'gone' && (r.state === 'dead' || r.state === 'not-found');
  const shown = verbose
    ? r.checks
    : r.checks.filter((f) => f.status !== 'pass' && f.status !== 'skip' && !isHeadline(f));
  const skipped = verbose ? [] : r.checks.filter((f) => f.status === 'skip');
  if (shown.length === 0 && skipped.length === 0) return;
  const hidden = r.checks.length - shown.length;
  const title = verbose ? 'Checks' : `Checks that did not pass${hidden > 0 ? ` (${hidden} more with --verbose)` : ''}`;
  c.out.push('', paint(title, 'bold', opts.color));
  const idw = Math.max(0, ...shown.map((f) => escapeControl(f.id).length)) + 2;
  for (const f of shown) {
    const status = statusWord(f.status, opts.color) + ' '.repeat(Math.max(1, 6 - f.status.length));
    const ms = verbose ? `${f.durationMs.toFixed(1).padStart(7)} ms  ` : '';
    const prefix = `  ${status}${escapeControl(f.id).padEnd(idw)}${ms}`;
    const width = 2 + 6 + idw + ms.length;
    const summary = sameDeath(f) && !verbose ? '(the cause above)' : text(f.summary, r);
    c.out.push(...hanging(prefix, width, summary, opts.width));
    const pad = ' '.repeat(width);
    if (verbose) for (const d of f.details) c.out.push(...hanging(`${pad}  `, width + 2, text(d, r), opts.width));
    // Per-check advice (e.g. raise the memory limit) is part of the answer, not only of the JSON.
    if (f.remedy && f.remedy.text && f !== explaining && f.status !== 'pass') {
      c.out.push(
        ...hanging(`${pad}${paint('advice', 'cyan', opts.color)} `, width + 7, text(f.remedy.text, r), opts.width),
      );
      for (const cmd of f.remedy.commands) c.out.push(`${pad}  ${escapeControl(cmd)}`);
    }
  }
  if (skipped.length > 0) {
    c.out.push(
      ...hanging(
        '  ',
        2,
        `skipped: ${skipped.map((f) => escapeControl(f.id)).join(', ')} (--verbose says why)`,
        opts.width,
      ),
    );
  }
}

function identity(c: Ctx): void {
  const { r, opts } = c;
  if (opts.verbose !== true) return;
  c.out.push('');
  block(c, 'Target', targetLine(r));
  block(c, 'State', r.state);
  if (r.process) {
    const [first, ...rest] = processLines(r.process).map((l) => text(l, r));
    block(c, 'Process', first);
    for (const l of rest) c.out.push(...hanging(' '.repeat(LABEL), LABEL, l, opts.width));
  }
  block(c, 'Verdict', text(r.verdict.summary, r));
  if (r.remedy.length > 1) {
    c.out.push('', paint('Other ways to make it survive:', 'bold', opts.color));
    for (const cmd of r.remedy.slice(1)) command(c, cmd);
  }
}

export function renderOne(r: Report, opts: RenderOptions): string {
  const c: Ctx = { r, opts, out: [] };
  headline(c);
  fixBlock(c);
  survival(c);
  checks(c);
  identity(c);
  return c.out.map((l) => l.replace(/ +$/, '')).join('\n');
}

export const renderTable: Renderer = (report, opts) => {
  const list = asList(report);
  if (list.length === 1) return renderOne(list[0], opts) + '\n';
  const all = opts.all === true;
  const live = opts.omitted?.live ?? 0;
  const dead = opts.omitted?.dead ?? 0;
  const count =
    live + dead > 0 ? `${list.length} of ${list.length + live + dead} processes` : `${list.length} processes`;
  const cut = [live > 0 ? 'the newest 10 running' : '', dead > 0 ? 'the newest 10 dead' : ''].filter(Boolean);
  const head = `${count} match ${escapeControl(list[0].target.query)} (newest first${cut.length > 0 ? `; ${cut.join(' and ')} are listed` : ''})${all ? '' : '; the first is reported below (--all: every one)'}:`;
  const summary = [...hanging('', 0, head, opts.width), ...list.map((r) => matchLine(r, opts))].join('\n');
  const full = (all ? list : list.slice(0, 1)).map((r) => renderOne(r, opts));
  return [summary, ...full].join('\n\n' + '─'.repeat(Math.min(40, opts.width ?? 40)) + '\n\n') + '\n';
};
