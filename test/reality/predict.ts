/**
 * The reality suite's side of whydied: run the built CLI on a real pid exactly as a user would, read the
 * survival matrix, and hold each prediction to what then really happened. A `dies` must die, a
 * `survives` must survive, and an `unknown` is only acceptable when its reason says what /proc cannot show.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Cause, Report, Risk, RiskEvent } from '../../src/engine/types';
import { isAlive, runCli, track, waitFor } from '../helpers/processes';

const CLI = path.join(__dirname, '..', '..', 'dist', 'whydied.js');

/** The first report of `--json` output, whatever envelope the report list comes in. */
export function firstReport(stdout: string): Report {
  const parsed = JSON.parse(stdout) as unknown;
  if (Array.isArray(parsed)) return parsed[0] as Report;
  const o = parsed as { reports?: Report[] };
  return Array.isArray(o.reports) ? o.reports[0] : (parsed as Report);
}

/** `whydied PID --json` through the built CLI, with an environment free of the machine's own state. */
export function diagnose(pid: number): Report {
  const stateDir = fs.mkdtempSync('/tmp/whydied-reality-state-');
  try {
    const r = runCli([String(pid), '--json'], { env: { WHYDIED_STATE_DIR: stateDir }, timeoutMs: 60000 });
    if (r.stdout.trim() === '') throw new Error(`whydied ${pid} printed nothing (exit ${r.status}): ${r.stderr}`);
    return firstReport(r.stdout);
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

export function riskOf(report: Report, event: RiskEvent): Risk {
  const r = report.risks.find((x) => x.event === event);
  if (!r) throw new Error(`no ${event} row in ${JSON.stringify(report.risks)}`);
  return r;
}

/** The row must be decided by the rule the scenario was built for (codes are listed by coverage.test.ts). */
export function expectRule(report: Report, event: RiskEvent, code: string): Risk {
  const r = riskOf(report, event);
  if (r.code !== code) throw new Error(`${event}: expected rule ${code}, got ${r.code} (${r.outcome}: ${r.reason})`);
  return r;
}

/** Words that mark an `unknown` as honest: it names what /proc cannot show. */
const NAMES_THE_GAP =
  /\/proc cannot (show|decide)|cannot be told from \/proc|cannot show|not visible in \/proc|the program decides|compiled-in default|which \/proc|could not be read|loginctl show-user/;

/** Hold one prediction to the outcome the event really had. */
export function expectReality(risk: Risk, died: boolean): void {
  if (risk.outcome === 'dies' && !died)
    throw new Error(`predicted dies at ${risk.event} (${risk.code}: ${risk.reason}) but it survived`);
  if (risk.outcome === 'survives' && died)
    throw new Error(`predicted survives at ${risk.event} (${risk.code}: ${risk.reason}) but it died`);
  if (risk.outcome === 'unknown' && !NAMES_THE_GAP.test(risk.reason)) {
    throw new Error(`unknown at ${risk.event} (${risk.code}) without naming what /proc cannot show: ${risk.reason}`);
  }
}

/** Did it die within the bound after the event? (A survivor is checked for the whole bound.) */
export async function diedAfter(pid: number, boundMs = 1500): Promise<boolean> {
  return waitFor(() => !isAlive(pid), boundMs);
}

export interface Watch {
  /** Resolves with the cause the watcher established once the process ended (null if none). */
  result: Promise<Cause | null>;
  stop(): void;
}

/** `whydied watch PID --json` in the background, started before the event; ready once tracing is set up. */
export async function startWatch(pid: number): Promise<Watch> {
  const stateDir = fs.mkdtempSync('/tmp/whydied-reality-watch-');
  const child = spawn(process.execPath, [CLI, 'watch', String(pid), '--json'], {
    env: { ...process.env, WHYDIED_STATE_DIR: stateDir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child.pid ?? 0);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const result = new Promise<Cause | null>((resolve, reject) => {
    // 'close', not 'exit': stdout may still hold the report when the process has exited.
    child.on('close', () => {
      fs.rmSync(stateDir, { recursive: true, force: true });
      try {
        const cause = out.trim() ? firstReport(out).verdict.cause : null;
        if (!cause && process.env.WHYDIED_DEBUG_WATCH) console.log(`watch of ${pid}: ${out}\n${err}`);
        resolve(cause);
      } catch (e) {
        reject(new Error(`watch output unreadable: ${String(e)}\n${out}\n${err}`));
      }
    });
  });
  // Armed once its tracing instance records: events enabled and tracing on (the ring buffer keeps what
  // happens from then on until the watcher reads it).
  const armed = await waitFor(() => {
    try {
      const base = '/sys/kernel/tracing/instances';
      const inst = fs.readdirSync(base).find((n) => n.startsWith(`whydied-${child.pid}-`));
      if (!inst) return false;
      const read = (f: string): string => fs.readFileSync(path.join(base, inst, f), 'utf8').trim();
      return read('tracing_on') === '1' && read('events/signal/signal_generate/enable') === '1';
    } catch {
      return false;
    }
  }, 10000);
  if (!armed) throw new Error(`watch of ${pid} never armed: ${err}`);
  return { result, stop: () => child.kill('SIGTERM') };
}

/** The mechanism the watcher named for a signal death. */
export function mechanismOf(c: Cause | null): string | null {
  const m = c?.details?.mechanism;
  return typeof m === 'string' ? m : c?.kind === 'oom-kill' ? 'oom-kill' : null;
}

/** A unique `sleep` argument: the relaunched process is found by its exact argv. */
let serial = 0;
export function uniqueSleep(): string {
  serial += 1;
  return `${40000 + (process.pid % 1000) * 10 + serial}.${Math.floor(Math.random() * 900 + 100)}`;
}

/** Pids whose argv is exactly `argv`, other than `except`. */
export function pidsWithArgv(argv: readonly string[], except: readonly number[] = []): number[] {
  const want = `${argv.join('\0')}\0`;
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (except.includes(pid)) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === want) out.push(pid);
    } catch {
      /* raced with exit */
    }
  }
  return out;
}

/** After a remedy ran: the one new process with that argv, tracked for cleanup. */
export async function relaunched(argv: readonly string[], except: readonly number[]): Promise<number> {
  let found: number[] = [];
  await waitFor(() => (found = pidsWithArgv(argv, except)).length > 0, 10000);
  if (found.length !== 1) throw new Error(`expected one relaunched ${argv.join(' ')}, found ${JSON.stringify(found)}`);
  return track(found[0]);
}

/** Did the process die after the event? Deaths are awaited up to 5 s; a survivor is watched for 1.5 s. */
export async function outcomeOf(pid: number, risk: { outcome: string }): Promise<boolean> {
  return diedAfter(pid, risk.outcome === 'dies' ? 5000 : 1500);
}
