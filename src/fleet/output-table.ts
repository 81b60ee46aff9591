/**
 * The record outputs, one entry each: `--output NAME[=VALUE],...` is parsed by the entry that claims the
 * name, and a parsed output is opened into the handlers a death goes through (src/fleet/outputs.ts runs
 * them; it names none). Adding an output is one entry here plus its test; the usage line, the shell
 * completion and the unit's writable paths read the table.
 */
import { UsageError } from '../util/errors';
import { safeJson } from '../util/escape';
import type { DeathRecord } from '../source/records/types';
import * as path from 'path';
import type { DeathEvent } from './death-event';
import type { Health } from './prom';

// The help of `record` and `run` reads this table: what opens an output (child_process, fs) loads in open().

/** journald's native socket (systemd-journald.socket) and the syslog fallback (RFC 3164 datagrams). */
export const JOURNAL_SOCKET = '/run/systemd/journal/socket';
export const SYSLOG_SOCKET = '/dev/log';

/** One `name[=value]` item of --output. */
export interface OutputItem {
  name: string;
  value: string | null;
}

export interface OutputContext {
  /** Where jsonl goes (stdout for record, stderr for run: stdout is CMD's). */
  jsonlStream: NodeJS.WritableStream;
  /** How a record reaches the store (the recorder batches through its own writer). */
  defaultStore?: (rec: DeathRecord) => void;
  log: (line: string) => void;
  /** How often the textfile is rewritten (ms). */
  promEveryMs?: number;
  /** Deaths the --on-death hook dropped so far (0 without one). */
  hooksDropped: () => number;
}

/** An opened output: each handler optional. */
export interface OpenOutput {
  /** Every record, clean exits included (the store). */
  record?(rec: DeathRecord): void;
  /** A death as published (not a clean exit, not one of whydied's own helpers). */
  death?(e: DeathEvent, rec: DeathRecord): void;
  /** Recorder health, for the metrics. */
  health?(h: { events: number; lost: number }): void;
  /** Pids of helpers it runs: their own ends are not reported back. */
  pids?(): Iterable<number>;
  /** On a signal exit path: flush what can be flushed synchronously. */
  closeSync?(): void;
  close?(): Promise<void>;
}

export interface OutputDef<C> {
  /** The --output name; `also` are further names it reads (journal reads syslog=SOCKET). */
  name: string;
  also?: readonly string[];
  /** How it is written in --output, for usage errors, help and completion ("prom=DIR"). */
  usage: string;
  /** What it is, for --help ("textfile collector"). */
  help: string;
  /** Only the long-running recorder has it (a single run has no counters to keep). */
  recorderOnly?: boolean;
  /** Writes records to the store (record's writer and run's state dir check read this). */
  stores?: boolean;
  /** Writes to the process's stdout: a --daemon recorder has none. */
  stdout?: boolean;
  /** Directories it writes to (a unit's ReadWritePaths=). */
  writes?(c: C): string[];
  /** Its config from the items naming it (UsageError on a bad one). */
  parse(items: readonly OutputItem[], opts: { allowProm?: boolean }): C;
  /** Checked before anything starts (UsageError): then opened. */
  open(c: C, ctx: OutputContext): Promise<OpenOutput>;
}

/** An entry whose config type is its own: each entry is type-checked against its C where it is written. */
export type AnyOutputDef = OutputDef<unknown>;

const define = <C>(d: OutputDef<C>): AnyOutputDef => d as unknown as AnyOutputDef;

/** The --output help of a command: every output it has, with what it is. */
export function outputHelp(opts: { recorder: boolean }): string {
  return OUTPUTS.filter((d) => opts.recorder || !d.recorderOnly)
    .map((d) => `${d.usage} (${d.help})`)
    .join(', ');
}

/** A name that takes no value: `store`, not `store=x`. */
function flag(name: string, items: readonly OutputItem[]): true {
  if (items.some((i) => i.value !== null)) throw new UsageError(`--output ${name} takes no value`);
  return true;
}

export const OUTPUTS: readonly AnyOutputDef[] = [
  define<true>({
    name: 'store',
    usage: 'store',
    help: 'the records store, the default',
    stores: true,
    parse: (items) => flag('store', items),
    open: async (_c, ctx) => ({ record: (rec) => ctx.defaultStore?.(rec) }),
  }),
  define<true>({
    name: 'jsonl',
    usage: 'jsonl',
    help: 'whydied.death/1 lines on stdout; run: stderr',
    stdout: true,
    parse: (items) => flag('jsonl', items),
    open: async (_c, ctx) => ({ death: (e) => void ctx.jsonlStream.write(safeJson(e) + '\n') }),
  }),
  define<string>({
    name: 'prom',
    usage: 'prom=DIR',
    help: 'textfile collector',
    recorderOnly: true,
    writes: (dir) => [dir],
    parse(items, opts) {
      if (!opts.allowProm)
        throw new UsageError(
          '--output prom is for the long-running recorder (whydied record): a single run has no counters to keep',
        );
      const dir = items[items.length - 1].value;
      if (dir === null)
        throw new UsageError(
          '--output prom needs the textfile collector directory: prom=/var/lib/node_exporter/textfile_collector',
        );
      return dir;
    },
    async open(dir, ctx) {
      const { secureDir } = await import('../source/safe-write');
      const { DeathCounters, writeTextfile } = await import('./prom');
      secureDir(dir, 'textfile collector directory', false);
      const counters = new DeathCounters();
      let health: Omit<Health, 'hooksDropped'> = { events: 0, lost: 0, lagSeconds: 0 };
      let lag = 0;
      let dirty = true;
      const write = (): void => {
        if (!dirty) return;
        dirty = false;
        try {
          writeTextfile(dir, counters.render({ ...health, lagSeconds: lag, hooksDropped: ctx.hooksDropped() }));
          lag = 0;
        } catch (e) {
          ctx.log(`cannot write the textfile: ${(e as Error).message}`);
        }
      };
      const timer = setInterval(write, ctx.promEveryMs ?? 5000);
      write();
      const last = (): void => {
        clearInterval(timer);
        dirty = true;
        write();
      };
      return {
        death(e, rec) {
          counters.add(e);
          const l = (Date.now() - Date.parse(rec.seenAt)) / 1000;
          if (Number.isFinite(l)) lag = Math.max(lag, l);
          dirty = true;
        },
        health(h) {
          health = { ...health, ...h };
          dirty = true;
        },
        closeSync: last,
        close: async () => last(),
      };
    },
  }),
  define<string>({
    // The published events appended to a file of their own: for `run` (stdout is CMD's) and a --daemon
    // recorder (no stdout). Opened 0600 without following a link (safe-write's openAppend, private: events
    // name command lines); a failed write is said once per failure and the death goes on to the others.
    name: 'file',
    usage: 'file=PATH',
    help: 'whydied.death/1 lines appended to PATH',
    writes: (file) => [path.dirname(path.resolve(file))],
    parse(items) {
      const file = items[items.length - 1].value;
      if (file === null) throw new UsageError('--output file needs the path to append to: file=/var/log/deaths.jsonl');
      return file;
    },
    async open(file, ctx) {
      const fs = await import('fs');
      const { openAppend, writeAll } = await import('../source/safe-write');
      const fd = openAppend(file, { role: 'events file', private: true });
      let open = true;
      const close = (): void => {
        if (open) fs.closeSync(fd);
        open = false;
      };
      return {
        death(e) {
          try {
            writeAll(fd, Buffer.from(safeJson(e) + '\n'), file);
          } catch (err) {
            ctx.log(`cannot append to the events file: ${(err as Error).message}`);
          }
        },
        closeSync: close,
        close: async () => close(),
      };
    },
  }),
  define<{ socket: string; syslog: string }>({
    name: 'journal',
    also: ['syslog'],
    usage: 'journal[=SOCKET],syslog=SOCKET',
    help: 'journald native protocol, falling back to syslog on /dev/log',
    parse(items) {
      let socket: string | null = null;
      let syslog: string | null = null;
      for (const i of items) {
        if (i.name === 'journal') socket = i.value ?? JOURNAL_SOCKET;
        else if (i.value === null) throw new UsageError('--output syslog needs the socket: syslog=/dev/log');
        else syslog = i.value;
      }
      return { socket: socket ?? JOURNAL_SOCKET, syslog: syslog ?? SYSLOG_SOCKET };
    },
    async open(c, ctx) {
      const { JournalSender, perlPath } = await import('./journal');
      const perl = perlPath();
      if (!perl)
        throw new UsageError('--output journal needs perl (Node has no unix datagram sockets): install perl-base');
      const sender = new JournalSender(perl, c.socket, c.syslog, ctx.log);
      return {
        death: (e) => sender.send(e),
        pids: () => (sender.pid !== undefined ? [sender.pid] : []),
        closeSync: () => sender.endSync(),
        close: () => sender.close(),
      };
    },
  }),
];
