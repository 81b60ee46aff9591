/**
 * The work behind `whydied record`: print a unit, start detached (--daemon), or record in the foreground
 * (what the unit and the daemon both run). Loaded on demand by the command module.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../util/errors';
import { escapeControl, isClean } from '../util/escape';
import { registerCleanup } from '../source/trace/registry';
import { ensureStateDir, stateDir } from '../source/records/state-dir';
import { acquirePidfile, AlreadyRunning, ownerAlive, PIDFILE, readPidfile, releasePidfile } from './daemon-pidfile';
import { reportFailure, reportReady, selfCommand, startDetached } from '../observe/daemon-ready';
import { renderUnit } from './unit';
import { logRotator, RECORD_LOG } from './log-rotate';
import { Recorder } from './recorder';
import { openAppend } from '../source/safe-write';
import type { Sinks } from '../fleet/outputs';
import { redactArgvDefault } from '../fleet/privacy';
import { CLEAN_EXITS_ENV, parseCleanExits } from './retention';

async function openRecordSinks(req: RecordRequest, logLine: (l: string) => void): Promise<Sinks> {
  const { openSinks } = await import('../fleet/outputs');
  return openSinks({
    output: req.output ?? 'store',
    onDeath: req.onDeath,
    jsonlStream: process.stdout,
    allowProm: true,
    log: logLine,
    redactArgv: req.redactArgv ?? redactArgvDefault(),
  });
}

/** The kernel takes what memory it can and reports less (1e12 became 1,410 KB): bounded here instead. */
const MAX_BUFFER_KB = 1024 * 1024;

export interface RecordRequest {
  daemon?: boolean;
  printUnit?: boolean;
  stateDir?: string;
  capMb?: number;
  bufferKb?: number;
  /** Fleet outputs (`store,jsonl,prom=DIR,journal`) and the death hook: src/fleet. */
  output?: string;
  onDeath?: string;
  /** Retention (src/record/retention.ts): all, none, N/s; default $WHYDIED_CLEAN_EXITS, else all. */
  cleanExits?: string;
  /** argv[0] only in every output; default $WHYDIED_REDACT_ARGV (src/fleet/privacy.ts). */
  redactArgv?: boolean;
}

let afterLog: () => void = () => undefined;

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} whydied record[${process.pid}]: ${line}\n`);
  afterLog();
}

function childArgs(dir: string, req: RecordRequest): string[] {
  const args = ['record', '--state-dir', dir];
  if (req.capMb !== undefined) args.push('--cap-mb', String(req.capMb));
  if (req.bufferKb !== undefined) args.push('--buffer-kb', String(req.bufferKb));
  if (req.output !== undefined) args.push('--output', req.output);
  if (req.onDeath !== undefined) args.push('--on-death', req.onDeath);
  if (req.cleanExits !== undefined) args.push('--clean-exits', req.cleanExits);
  if (req.redactArgv) args.push('--redact-argv');
  return args;
}

async function daemonize(dir: string, req: RecordRequest): Promise<number> {
  // Refuse before spawning anything, so the common mistake costs nothing.
  const owner = readPidfile(dir);
  if (ownerAlive(owner)) throw new UsageError(new AlreadyRunning(owner.pid, path.join(dir, PIDFILE)).message);
  const logFile = path.join(dir, RECORD_LOG);
  const fd = openAppend(logFile, { role: 'recorder log', private: true });
  try {
    const started = await startDetached(childArgs(dir, req), fd);
    process.stdout.write(
      `whydied record: recording as pid ${started.pid} (records ${dir}, log ${logFile}, pidfile ${path.join(dir, PIDFILE)}); stop it with: kill ${started.pid}\n`,
    );
    return 0;
  } catch (e) {
    const msg = (e as Error).message;
    if (/already running/.test(msg)) throw new UsageError(msg);
    throw new Error(`${msg} (see ${logFile})`);
  } finally {
    fs.closeSync(fd);
  }
}

async function foreground(dir: string, req: RecordRequest): Promise<number> {
  // Outputs are checked before the pidfile and the instance: a typo costs nothing.
  const sinks = req.output !== undefined || req.onDeath !== undefined ? await openRecordSinks(req, log) : null;
  afterLog = logRotator(dir);
  let pidfile: string;
  let killedBefore = 0;
  try {
    pidfile = acquirePidfile(dir, (owner) => {
      killedBefore++;
      log(
        `the previous recorder${owner ? ` (pid ${owner.pid})` : ''} did not stop cleanly: what it had read but not written is lost`,
      );
    });
  } catch (e) {
    reportFailure((e as Error).message);
    if (e instanceof AlreadyRunning) throw new UsageError(e.message);
    throw e;
  }
  const unregister = registerCleanup(() => releasePidfile(pidfile));
  const recorder = new Recorder({
    stateDir: dir,
    capBytes: req.capMb !== undefined ? Math.round(req.capMb * 1024 * 1024) : undefined,
    bufferKb: req.bufferKb,
    log,
    killedBefore,
    hookStats: sinks?.hook ? () => (sinks.hook as NonNullable<Sinks['hook']>).stats : undefined,
    store: sinks ? sinks.spec.store : true,
    retention: {
      cleanExits: parseCleanExits(req.cleanExits ?? process.env[CLEAN_EXITS_ENV] ?? 'all'),
      redactArgv: req.redactArgv ?? redactArgvDefault(),
    },
    // Every death after the store (src/fleet/death-pipeline.ts); whydied's own descendants are stored only.
    sink: sinks ?? undefined,
  });
  // After the recorder's own cleanup (registered in start()): its last records reach the outputs first.
  if (sinks) registerCleanup(() => sinks.closeSync());
  try {
    recorder.start();
  } catch (e) {
    recorder.stop('start failed');
    releasePidfile(pidfile);
    unregister();
    reportFailure((e as Error).message);
    throw e;
  }
  // The terminal going away (or a stray SIGHUP) must not end the recording; SIGTERM/SIGINT do, cleanly,
  // through the trace registry (drain, write, remove the instance and the pidfile, exit 128+n).
  process.on('SIGHUP', () => log('SIGHUP ignored (stop the recorder with SIGTERM)'));
  reportReady({ pid: process.pid, instance: recorder.getStatus().instance, stateDir: dir });
  // Runs until a signal: the instance's reader timers keep the event loop alive.
  return new Promise<number>(() => undefined);
}

export async function runRecord(req: RecordRequest): Promise<number> {
  if (req.stateDir !== undefined && (req.stateDir === '' || !isClean(req.stateDir))) {
    // A newline would split the unit's ExecStart= line, a bidi control would make it read differently; an
    // empty one means nothing.
    throw new UsageError(
      `--state-dir must be a non-empty path without control or bidi characters, not '${escapeControl(req.stateDir)}'`,
    );
  }
  if (req.capMb !== undefined && !(Number.isFinite(req.capMb) && req.capMb * 1024 * 1024 >= 4096))
    throw new UsageError('--cap-mb must be a number of MiB of at least 0.004 (4 KiB)');
  if (req.output !== undefined) {
    const { parseOutputs, OUTPUTS } = await import('../fleet/outputs');
    const spec = parseOutputs(req.output, { allowProm: true });
    // A daemon's stdout is its log: every death would be copied there (and the log is for the recorder's own lines).
    if (req.daemon && spec.stdout) {
      const toStdout = spec.outputs.filter((o) => o.def.stdout).map((o) => o.def.name);
      const others = OUTPUTS.filter((d) => !d.stdout).map((d) => d.usage.split(',')[0]);
      throw new UsageError(
        `--output ${toStdout.join(', ')} writes to stdout, which a --daemon recorder does not have: run it in the foreground (--print-unit) or use ${others.join(', ')}`,
      );
    }
  }
  parseCleanExits(req.cleanExits ?? process.env[CLEAN_EXITS_ENV] ?? 'all');
  // The unit holds the output list on its ExecStart= line (and prom=DIR in ReadWritePaths=): same rule.
  if (req.printUnit && req.output !== undefined && !isClean(req.output))
    throw new UsageError(`--output must not hold control or bidi characters, not '${escapeControl(req.output)}'`);
  if (req.printUnit) {
    process.stdout.write(
      renderUnit({
        command: selfCommand(),
        stateDir: req.stateDir ? path.resolve(req.stateDir) : undefined,
        output: req.output,
        // The retention and privacy choices go into the unit too (what the foreground run would use).
        extra: [
          ...(req.cleanExits !== undefined ? ['--clean-exits', req.cleanExits] : []),
          ...(req.redactArgv ? ['--redact-argv'] : []),
        ],
      }),
    );
    return 0;
  }
  if (process.getuid?.() !== 0) {
    const msg = 'record needs root: it traces every process on the machine through tracefs';
    reportFailure(msg);
    throw new UsageError(msg);
  }
  if (
    req.bufferKb !== undefined &&
    !(Number.isInteger(req.bufferKb) && req.bufferKb >= 64 && req.bufferKb <= MAX_BUFFER_KB)
  )
    throw new UsageError(`--buffer-kb must be a whole number of KB from 64 to ${MAX_BUFFER_KB} (1 GiB per CPU)`);
  const dir = ensureStateDir(req.stateDir ? path.resolve(req.stateDir) : stateDir());
  return req.daemon ? daemonize(dir, req) : foreground(dir, req);
}
