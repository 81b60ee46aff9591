/**
 * The outputs a death goes to, chosen with `--output store,jsonl,prom=DIR,journal[=SOCKET],syslog=SOCKET`
 * and `--on-death CMD`. Parsed and checked before anything starts (a typo is a usage error, exit 2).
 * Fleet outputs (jsonl, prom, journal, hook) get deaths only: a clean exit(0) is not one.
 */
import * as os from 'os';
import { UsageError } from '../util/errors';
import { escapeControl, isClean, safeJson } from '../util/escape';
import type { DeathRecord } from '../source/records/types';
import { secureDir } from '../source/safe-write';
import { containerFromCgroup } from '../source/container-id';
import { bootId } from '../source/process-identity';
import { toDeathEvent, DeathEvent } from './death-event';
import { DeathCounters, Health, writeTextfile } from './prom';
import { JOURNAL_SOCKET, JournalSender, perlPath, SYSLOG_SOCKET } from './journal';
import { DeathHook } from './hook';
import { redactArgv, redactArgvDefault } from './privacy';

export interface OutputSpec {
  store: boolean;
  jsonl: boolean;
  promDir: string | null;
  journal: { socket: string; syslog: string } | null;
}

const NAMES = ['store', 'jsonl', 'prom', 'journal', 'syslog'];

export function parseOutputs(spec: string, opts: { allowProm?: boolean } = {}): OutputSpec {
  const out: OutputSpec = { store: false, jsonl: false, promDir: null, journal: null };
  let syslog: string | null = null;
  let journal: string | null = null;
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? null : item.slice(eq + 1);
    if (value !== null && (value === '' || !isClean(value)))
      throw new UsageError(`--output ${escapeControl(name)}= needs a path without control characters`);
    if (name === 'store' && value === null) out.store = true;
    else if (name === 'jsonl' && value === null) out.jsonl = true;
    else if (name === 'prom') {
      if (!opts.allowProm)
        throw new UsageError(
          '--output prom is for the long-running recorder (whydied record): a single run has no counters to keep',
        );
      if (value === null)
        throw new UsageError(
          '--output prom needs the textfile collector directory: prom=/var/lib/node_exporter/textfile_collector',
        );
      out.promDir = value;
    } else if (name === 'journal') journal = value ?? JOURNAL_SOCKET;
    else if (name === 'syslog' && value !== null) syslog = value;
    else
      throw new UsageError(
        `unknown --output '${escapeControl(item)}' (${NAMES.join(', ')}; e.g. store,jsonl,prom=DIR,journal)`,
      );
  }
  if (syslog !== null && journal === null) journal = JOURNAL_SOCKET;
  if (journal !== null) out.journal = { socket: journal, syslog: syslog ?? SYSLOG_SOCKET };
  if (!out.store && !out.jsonl && !out.promDir && !out.journal)
    throw new UsageError('--output names no output (store, jsonl, prom=DIR, journal)');
  return out;
}

export interface Sinks {
  spec: OutputSpec;
  /** Hand one death (record) to every output. */
  death(rec: DeathRecord): void;
  /** Recorder health, for the metrics. */
  health(h: { events: number; lost: number }): void;
  /** Pids of helpers and hooks this process runs: their own ends are not reported back. */
  ownPids(): Set<number>;
  close(): Promise<void>;
  /** On a signal exit path: write the metrics, end the journal helper's input, kill running hooks. */
  closeSync(): void;
  journal: JournalSender | null;
  hook: DeathHook | null;
}

export interface SinkOptions {
  output: string;
  onDeath?: string;
  hookTimeoutMs?: number;
  jsonlStream: NodeJS.WritableStream;
  /** How a record reaches the store (the recorder batches through its own writer). */
  defaultStore?: (rec: DeathRecord) => void;
  allowProm?: boolean;
  log?: (line: string) => void;
  /** How often the textfile is rewritten (ms). */
  promEveryMs?: number;
  /** --redact-argv: argv[0] only, in every output (default: WHYDIED_REDACT_ARGV, src/fleet/privacy.ts). */
  redactArgv?: boolean;
}

/** The host a death is published under: WHYDIED_HOSTNAME (a pod's node name) when set and clean, else uname. */
export function publishedHostname(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.WHYDIED_HOSTNAME;
  // In a pod, uname's name is the pod's: the DaemonSet passes the node's name (downward API) instead.
  return h && h.length <= 253 && isClean(h) && !/\s/.test(h) ? h : os.hostname();
}

export async function openSinks(o: SinkOptions): Promise<Sinks> {
  const spec = parseOutputs(o.output, { allowProm: o.allowProm });
  const log = o.log ?? ((l: string) => process.stderr.write(`whydied: ${l}\n`));
  if (o.onDeath !== undefined && (o.onDeath.trim() === '' || !isClean(o.onDeath)))
    throw new UsageError('--on-death needs a command without control characters');
  if (spec.promDir) secureDir(spec.promDir, 'textfile collector directory', false);
  let journal: JournalSender | null = null;
  if (spec.journal) {
    const perl = perlPath();
    if (!perl)
      throw new UsageError('--output journal needs perl (Node has no unix datagram sockets): install perl-base');
    journal = new JournalSender(perl, spec.journal.socket, spec.journal.syslog, log);
  }
  const hook = o.onDeath ? new DeathHook(o.onDeath, log, o.hookTimeoutMs) : null;
  const host = { hostname: publishedHostname(), bootId: bootId() };
  const redact = o.redactArgv ?? redactArgvDefault();
  const counters = spec.promDir ? new DeathCounters() : null;
  let health: Omit<Health, 'hooksDropped'> = { events: 0, lost: 0, lagSeconds: 0 };
  let lag = 0;
  let dirty = spec.promDir !== null;
  const writeProm = (): void => {
    if (!counters || !spec.promDir || !dirty) return;
    dirty = false;
    try {
      writeTextfile(
        spec.promDir,
        counters.render({ ...health, lagSeconds: lag, hooksDropped: hook?.stats.dropped ?? 0 }),
      );
      lag = 0;
    } catch (e) {
      log(`cannot write the textfile: ${(e as Error).message}`);
    }
  };
  const timer = counters ? setInterval(writeProm, o.promEveryMs ?? 5000) : null;
  writeProm();
  const own = (): Set<number> => {
    const s = new Set<number>(hook?.pids ?? []);
    if (journal?.pid) s.add(journal.pid);
    return s;
  };
  return {
    spec,
    journal,
    hook,
    ownPids: own,
    death(recorded) {
      // One copy for every output below: the store and the published event alike.
      const rec = redact ? redactArgv(recorded) : recorded;
      if (rec.container === undefined) rec.container = containerFromCgroup(rec.cgroup);
      if (spec.store) o.defaultStore?.(rec);
      if (rec.cause.kind === 'exit' && rec.cause.exitCode === 0) return;
      // Hooks run in sessions of their own: nothing they start is reported back to them (no feedback loop).
      // The recorder already marks everything descended from it; this is the cheap second line (a hook's
      // child that made a session of its own still has the hook as its parent).
      if (hook && (hook.pids.has(rec.pid) || hook.pids.has(rec.sid) || hook.pids.has(rec.ppid))) return;
      if (journal?.pid !== undefined && rec.pid === journal.pid) return;
      const e: DeathEvent = toDeathEvent(rec, host);
      if (spec.jsonl) o.jsonlStream.write(safeJson(e) + '\n');
      if (counters) {
        counters.add(e);
        const l = (Date.now() - Date.parse(rec.seenAt)) / 1000;
        if (Number.isFinite(l)) lag = Math.max(lag, l);
        dirty = true;
      }
      journal?.send(e);
      hook?.push(e);
    },
    health(h) {
      health = { ...health, ...h };
      dirty = counters !== null;
    },
    closeSync() {
      if (timer) clearInterval(timer);
      dirty = counters !== null;
      writeProm();
      journal?.endSync();
      hook?.killAll();
    },
    async close() {
      if (timer) clearInterval(timer);
      dirty = counters !== null;
      writeProm();
      await journal?.close();
      await hook?.close();
    },
  };
}
