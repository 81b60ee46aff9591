/**
 * The outputs a death goes to, chosen with `--output store,jsonl,prom=DIR,journal[=SOCKET],syslog=SOCKET`
 * and `--on-death CMD`. Parsed and checked before anything starts (a typo is a usage error, exit 2).
 * Fleet outputs (jsonl, prom, journal, hook) get deaths only: a clean exit(0) is not one.
 *
 * Every output is an entry of src/fleet/output-table.ts; this file runs them in table order and names none.
 * A death's whole path, from the tracer to here and through the steps below: src/fleet/death-pipeline.ts.
 */
import * as os from 'os';
import { UsageError } from '../util/errors';
import { escapeControl, isClean } from '../util/escape';
import type { DeathRecord } from '../source/records/types';
import { containerFromCgroup } from '../source/container-id';
import { isCleanExit } from '../source/death';
import { bootId } from '../source/process-identity';
import { toDeathEvent } from './death-event';
import type { DeathSink } from './death-pipeline';
import { DeathHook } from './hook';
import { redactArgv, redactArgvDefault } from './privacy';
import { OUTPUTS, type AnyOutputDef, type OpenOutput, type OutputItem } from './output-table';

export { OUTPUTS } from './output-table';

/** The outputs asked for, each with its parsed config, in table order. */
export interface OutputSpec {
  outputs: ReadonlyArray<{ def: AnyOutputDef; config: unknown }>;
  /** An output writes to the records store. */
  store: boolean;
  /** An output writes to stdout. */
  stdout: boolean;
}

const owner = (name: string): AnyOutputDef | undefined =>
  OUTPUTS.find((d) => d.name === name || (d.also ?? []).includes(name));

/** How --output is written, from the table: "store, jsonl, prom=DIR, journal[=SOCKET],syslog=SOCKET". */
export const OUTPUT_USAGE = OUTPUTS.map((d) => d.usage).join(', ');

export function parseOutputs(spec: string, opts: { allowProm?: boolean } = {}): OutputSpec {
  const items = new Map<AnyOutputDef, OutputItem[]>();
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? null : item.slice(eq + 1);
    if (value !== null && (value === '' || !isClean(value)))
      throw new UsageError(`--output ${escapeControl(name)}= needs a path without control characters`);
    const def = owner(name);
    if (!def) throw new UsageError(`unknown --output '${escapeControl(item)}' (${OUTPUT_USAGE})`);
    items.set(def, [...(items.get(def) ?? []), { name, value }]);
  }
  const outputs = OUTPUTS.filter((d) => items.has(d)).map((def) => ({
    def,
    config: def.parse(items.get(def) as OutputItem[], opts),
  }));
  if (outputs.length === 0) throw new UsageError(`--output names no output (${OUTPUT_USAGE})`);
  return {
    outputs,
    store: outputs.some((o) => o.def.stores === true),
    stdout: outputs.some((o) => o.def.stdout === true),
  };
}

/** Directories the outputs of an --output list write to (a unit's ReadWritePaths=). */
export function outputDirs(spec: OutputSpec): string[] {
  return spec.outputs.flatMap((o) => o.def.writes?.(o.config) ?? []);
}

export interface Sinks extends DeathSink {
  spec: OutputSpec;
  /** Pids of helpers and hooks this process runs: their own ends are not reported back. */
  ownPids(): Set<number>;
  close(): Promise<void>;
  /** On a signal exit path: write the metrics, end the journal helper's input, kill running hooks. */
  closeSync(): void;
  hook: DeathHook | null;
}

export interface SinkOptions {
  /** The --output list, or what parseOutputs made of it (a caller that read it first: parsed once). */
  output: string | OutputSpec;
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
  const spec = typeof o.output === 'string' ? parseOutputs(o.output, { allowProm: o.allowProm }) : o.output;
  const log = o.log ?? ((l: string) => process.stderr.write(`whydied: ${l}\n`));
  if (o.onDeath !== undefined && (o.onDeath.trim() === '' || !isClean(o.onDeath)))
    throw new UsageError('--on-death needs a command without control characters');
  let hook: DeathHook | null = null;
  const ctx = {
    jsonlStream: o.jsonlStream,
    defaultStore: o.defaultStore,
    log,
    promEveryMs: o.promEveryMs,
    hooksDropped: () => hook?.stats.dropped ?? 0,
  };
  const opened: OpenOutput[] = [];
  try {
    for (const { def, config } of spec.outputs) opened.push(await def.open(config, ctx));
  } catch (e) {
    // One refused (a usage error): the ones already open end here.
    for (const out of opened) out.closeSync?.();
    throw e;
  }
  hook = o.onDeath ? new DeathHook(o.onDeath, log, o.hookTimeoutMs) : null;
  const host = { hostname: publishedHostname(), bootId: bootId() };
  const redact = o.redactArgv ?? redactArgvDefault();
  const helperPids = (): Set<number> => new Set(opened.flatMap((out) => [...(out.pids?.() ?? [])]));
  return {
    spec,
    hook,
    ownPids: () => new Set([...(hook?.pids ?? []), ...helperPids()]),
    death(recorded, own = false) {
      if (own) return;
      // The steps of src/fleet/death-pipeline.ts, in order. 1-2: one copy for every output below.
      const rec = redact ? redactArgv(recorded) : recorded;
      if (rec.container === undefined) rec.container = containerFromCgroup(rec.cgroup);
      // 3: the store.
      for (const out of opened) out.record?.(rec);
      // 4: what is not published.
      if (isCleanExit(rec.cause)) return;
      // Hooks run in sessions of their own: nothing they start is reported back to them (no feedback loop).
      // The recorder already marks everything descended from it; this is the cheap second line (a hook's
      // child that made a session of its own still has the hook as its parent).
      if (hook && (hook.pids.has(rec.pid) || hook.pids.has(rec.sid) || hook.pids.has(rec.ppid))) return;
      if (helperPids().has(rec.pid)) return;
      // 5-7: one event, every output, the hook.
      const e = toDeathEvent(rec, host);
      for (const out of opened) out.death?.(e, rec);
      hook?.push(e);
    },
    health(h) {
      for (const out of opened) out.health?.(h);
    },
    closeSync() {
      for (const out of opened) out.closeSync?.();
      hook?.killAll();
    },
    async close() {
      for (const out of opened) await out.close?.();
      await hook?.close();
    },
  };
}
