/**
 * The work behind `whydied watch <pid...>`: validate, watch, save records, then the ordinary diagnosis of
 * each pid with the watched cause injected through the `watch` pseudo-check. Loaded on demand by the command
 * module so `--help` stays cheap.
 */
import { UsageError } from '../../util/errors';
import { exitCodeForAll } from '../../engine/exit-code';
import type { Report } from '../../engine/types';
import { rendererFor } from '../../render';
import { escapeControl } from '../../util/escape';
import { saveRecord } from '../../source/records/store';
import { ensureStateDir } from '../../source/records/state-dir';
import { readPidMax } from '../../source/process-identity';
import { UnsafePathError } from '../../source/safe-write';
import { outputWidth, pickFormat, useColor } from '../options';
import { watch } from '../../observe/watch';
import { watchCheck } from '../../watch/watch-check';
import { toDeathRecord } from '../../observe/to-record';
import type { WatchBackend } from '../../observe/types';

export interface WatchRequest {
  pids: string[];
  json?: boolean;
  format?: string;
  color?: boolean;
  backend?: string;
  timeoutMs?: number;
  verbose: boolean;
}

const BACKENDS = ['auto', 'tracefs', 'ptrace', 'poll'] as const;

/** Digits only, 1..pid_max; anything else is a usage error (one line, exit 2) before anything is watched. */
export function parsePids(raw: readonly string[], max: number = readPidMax()): number[] {
  if (raw.length === 0) throw new UsageError('watch needs at least one pid');
  return raw.map((s) => {
    const t = String(s).trim();
    if (!/^\d+$/.test(t) || Number(t) < 1) throw new UsageError(`not a pid: '${escapeControl(t)}'`);
    if (Number(t) >= max) throw new UsageError(`${t} is above pid_max (${max}): not a process id`);
    return Number(t);
  });
}

function parseBackend(b: string | undefined): 'auto' | WatchBackend {
  const v = b ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(v))
    throw new UsageError(`unknown --backend '${escapeControl(v)}' (auto, tracefs, ptrace or poll)`);
  if (v === 'tracefs' && process.getuid?.() !== 0) throw new UsageError('--backend tracefs needs root');
  return v as 'auto' | WatchBackend;
}

/** One status line redrawn in place on a terminal; nothing at all when stderr is not a TTY. */
function statusWriter(): { update?: (line: string) => void; clear: () => void } {
  const err = process.stderr;
  if (!err.isTTY) return { clear: () => undefined };
  let drawn = false;
  return {
    update: (line) => {
      // A pty with no size reports 0 columns.
      const width = Math.max(20, (err.columns || 80) - 1);
      err.write(`\r\x1b[K${escapeControl(line).slice(0, width)}`);
      drawn = true;
    },
    clear: () => {
      if (drawn) err.write('\r\x1b[K');
    },
  };
}

export async function runWatch(req: WatchRequest): Promise<number> {
  const format = pickFormat(req.json, req.format);
  const pids = parsePids(req.pids);
  const backend = parseBackend(req.backend);
  // The record is saved into the state dir at the end: refuse an unsafe one now (exit 2), not after the wait.
  // One that merely cannot be created (no writable home) only means no record: the watch itself still runs.
  let saving = true;
  try {
    ensureStateDir();
  } catch (e) {
    if (!(e instanceof UnsafePathError && e.unavailable)) throw e;
    saving = false;
    process.stderr.write(`whydied: the record will not be saved: ${escapeControl(e.message)}\n`);
  }

  const status = statusWriter();
  // Closing the terminal must not end the watch (whatever the backend): it still saves its record, and
  // writes to the gone terminal are dropped (src/cli/output.ts). The status line stops at the hangup.
  let hungUp = false;
  const onHangup = (): void => {
    hungUp = true;
  };
  process.on('SIGHUP', onHangup);
  let results;
  try {
    results = await watch(pids, { backend, onStatus: (l) => !hungUp && status.update?.(l), timeoutMs: req.timeoutMs });
  } finally {
    if (!hungUp) status.clear();
  }

  for (const r of results) {
    if (!r.identity)
      process.stderr.write(`whydied: pid ${r.pid} was ${r.note ?? 'gone'}; falling back to the postmortem diagnosis\n`);
    const rec = saving ? toDeathRecord(r) : null;
    if (rec) {
      try {
        saveRecord(rec);
      } catch (e) {
        process.stderr.write(`whydied: could not save the record: ${escapeControl((e as Error).message)}\n`);
      }
    }
  }

  // Facts are taken after the deaths, so the diagnosis sees the processes as they are now (gone); one set
  // for every pid. The watched deaths reach it as one more check (src/watch/watch-check.ts).
  const { loadFacts } = await import('../../api/load');
  const { diagnoseQuery } = await import('../../api/diagnose');
  const facts = await loadFacts(undefined);
  const checks = [watchCheck(results)];
  const reports: Report[] = [];
  for (const pid of pids) {
    reports.push(...(await diagnoseQuery(String(pid), { facts, checks, verbose: req.verbose })));
  }
  const out = process.stdout;
  out.write(
    rendererFor(format)(reports, {
      color: format === 'table' && useColor(req.color, out, process.env),
      verbose: req.verbose,
      // The same width rule as a diagnosis: the terminal's, else $COLUMNS (also through a pipe).
      width: outputWidth(out, process.env),
    }),
  );
  return exitCodeForAll(reports);
}
