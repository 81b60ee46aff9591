/**
 * `whydied.death/1` lines as a pipeline delivers them from many hosts (a Loki or Elasticsearch export, files
 * Vector or Fluent Bit wrote, `cat` of every node's JSON lines): read bounded, checked line by line, the
 * inverse of death-event.ts. Everything in them is another host's process data (hostile): the checks here
 * take only the fields a fleet answer uses, of the types the schema gives, and drop nothing silently - a line
 * that is not a death is an error naming its line number (exit 2 for the CLI).
 * Bounds: DEATHS_MAX_BYTES of input, DEATHS_MAX_LINE bytes a line, DEATHS_READ_MS to read it all (a pipe that
 * never ends is an error, not a hang).
 */
import * as fs from 'fs';
import type { DeathEvent } from './death-event';

export const DEATHS_MAX_BYTES = 256 * 1024 * 1024;
export const DEATHS_MAX_LINE = 64 * 1024;
export const DEATHS_READ_MS = 120_000;

/** Bad input: the CLI prints the message on one line and exits 2. */
export class DeathInputError extends Error {}

/** What a fleet answer reads of one death (a subset of DeathEvent, checked). */
export interface FleetDeath {
  timeMs: number;
  hostname: string;
  bootId: string;
  pid: number;
  startTime: number;
  comm: string;
  cgroup: string | null;
  kind: DeathEvent['cause']['kind'];
  signal: string | null;
  exitCode: number | null;
  sender: { pid: number; comm: string } | null;
  mechanism: string | null;
  containerName: string | null;
}

const KINDS = new Set(['oom-kill', 'segfault', 'trap', 'signal', 'exit', 'unknown']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

function bad(lineNo: number, why: string): never {
  throw new DeathInputError(`line ${lineNo}: not a whydied.death/1 event: ${why}`);
}

/** One line (JSON text) -> a checked death. Throws DeathInputError naming the line. */
export function parseDeathLine(text: string, lineNo: number): FleetDeath {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    bad(lineNo, 'not JSON');
  }
  if (!isObj(v)) bad(lineNo, 'not a JSON object');
  if (v.schema !== 'whydied.death/1')
    bad(lineNo, `schema is ${typeof v.schema === 'string' ? JSON.stringify(v.schema.slice(0, 40)) : 'missing'}`);
  if (typeof v.time !== 'string' || !ISO.test(v.time) || !Number.isFinite(Date.parse(v.time)))
    bad(lineNo, 'time is not an ISO 8601 UTC time');
  const host = v.host;
  if (!isObj(host) || typeof host.hostname !== 'string' || typeof host.bootId !== 'string')
    bad(lineNo, 'host.hostname and host.bootId must be strings');
  if (!isInt(v.pid) || v.pid < 1) bad(lineNo, 'pid must be a positive integer');
  if (!isInt(v.startTime)) bad(lineNo, 'startTime must be an integer');
  if (typeof v.comm !== 'string') bad(lineNo, 'comm must be a string');
  if (!strOrNull(v.cgroup)) bad(lineNo, 'cgroup must be a string or null');
  const c = v.cause;
  if (!isObj(c) || typeof c.kind !== 'string' || !KINDS.has(c.kind)) bad(lineNo, 'cause.kind is not a known kind');
  if (!strOrNull(c.signal) || !strOrNull(c.mechanism)) bad(lineNo, 'cause.signal and cause.mechanism: string or null');
  if (c.exitCode !== null && !isInt(c.exitCode)) bad(lineNo, 'cause.exitCode must be an integer or null');
  const s = c.sender;
  if (s !== null && (!isObj(s) || !isInt(s.pid) || typeof s.comm !== 'string'))
    bad(lineNo, 'cause.sender must be null or {pid, comm}');
  const ct = v.container;
  if (ct !== null && ct !== undefined && (!isObj(ct) || !strOrNull(ct.name ?? null)))
    bad(lineNo, 'container must be null or an object');
  return {
    timeMs: Date.parse(v.time),
    hostname: host.hostname as string,
    bootId: host.bootId as string,
    pid: v.pid,
    startTime: v.startTime,
    comm: v.comm,
    cgroup: v.cgroup,
    kind: c.kind as FleetDeath['kind'],
    signal: c.signal,
    exitCode: c.exitCode as number | null,
    sender: s === null ? null : { pid: (s as Obj).pid as number, comm: (s as Obj).comm as string },
    mechanism: c.mechanism,
    containerName: isObj(ct) && typeof ct.name === 'string' ? ct.name : null,
  };
}

/** Every line of a text; blank lines are skipped. Deaths delivered twice (at-least-once pipelines) count once. */
export function parseDeathLines(text: string): { deaths: FleetDeath[]; duplicates: number } {
  const deaths: FleetDeath[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const t = line.trim();
    if (!t) continue;
    if (Buffer.byteLength(t) > DEATHS_MAX_LINE) bad(lineNo, `longer than ${DEATHS_MAX_LINE} bytes`);
    const d = parseDeathLine(t, lineNo);
    // A process is (boot, pid, start time); without a start time the death's own time stands in.
    const key = `${d.bootId}\u0000${d.hostname}\u0000${d.pid}\u0000${d.startTime >= 0 ? d.startTime : `t${d.timeMs}`}`;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    deaths.push(d);
  }
  return { deaths, duplicates };
}

/** Read FILE (or stdin for `-`) whole, within the byte and time bounds. */
export function readDeathInput(file: string, bounds: { maxBytes?: number; timeoutMs?: number } = {}): Promise<string> {
  const maxBytes = bounds.maxBytes ?? DEATHS_MAX_BYTES;
  const timeoutMs = bounds.timeoutMs ?? DEATHS_READ_MS;
  const name = file === '-' ? 'stdin' : file;
  return new Promise((resolve, reject) => {
    const stream = file === '-' ? fs.createReadStream('', { fd: 0, autoClose: false }) : fs.createReadStream(file);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        stream.destroy();
        reject(err);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(
      () => finish(new DeathInputError(`--deaths ${name}: the input did not end within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    stream.on('data', (b: Buffer | string) => {
      const buf = typeof b === 'string' ? Buffer.from(b) : b;
      size += buf.length;
      if (size > maxBytes)
        finish(
          new DeathInputError(
            `--deaths ${name}: more than ${Math.round(maxBytes / 1048576)} MiB; select fewer deaths first (a time range, a service)`,
          ),
        );
      else chunks.push(buf);
    });
    stream.on('error', (e: NodeJS.ErrnoException) =>
      finish(new DeathInputError(`--deaths ${name}: cannot read it (${e.code ?? e.message})`)),
    );
    stream.on('end', () => finish(null));
  });
}
