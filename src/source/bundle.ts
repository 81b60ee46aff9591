/**
 * The capture bundle `whydied.bundle/1`: every raw read a live diagnosis made, so a replay runs the
 * same parsers over the same texts. Never holds environment values (env keeps names only).
 */
import type { ReadErrorCode } from './types';
import { BoundedReadError, INPUT_BOUNDS, readBounded } from './bounded-read';

export const BUNDLE_FORMAT = 'whydied.bundle/1';

export interface RecordedError {
  error: ReadErrorCode;
  message: string;
}

/** A captured read: the value itself, or why it failed. */
export type Recorded<T> = T | RecordedError;

/** envNames replay: which names were asked for and which of those were present. */
export interface EnvRecord {
  wanted: string[];
  names: string[];
}

export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  /** ISO 8601. */
  capturedAt: string;
  capturedAtMs: number;
  hostname: string;
  target: { query: string; pid: number | null };
  /** readText by absolute path. */
  texts: Record<string, Recorded<string>>;
  /** readLink by absolute path. */
  links: Record<string, Recorded<string>>;
  /** listDir by absolute path. */
  dirs: Record<string, Recorded<string[]>>;
  /** envNames by pid (decimal string). */
  env: Record<string, Recorded<EnvRecord>>;
  /** readKmsg, or null when nothing read the kernel log. */
  kmsg: Recorded<string> | null;
  /** command stdout keyed by JSON.stringify(argv). */
  commands: Record<string, Recorded<string>>;
}

/** A bundle file that cannot be used; the message is one line fit for stderr. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

const ERROR_CODES: readonly string[] = ['ENOENT', 'EACCES', 'EPERM', 'ESRCH', 'EINVAL', 'NOTCAPTURED', 'EOTHER'];

export function isRecordedError(v: unknown): v is RecordedError {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as { error?: unknown }).error === 'string' &&
    ERROR_CODES.includes((v as { error: string }).error) &&
    typeof (v as { message?: unknown }).message === 'string'
  );
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isEnvRecord = (v: unknown): v is EnvRecord =>
  typeof v === 'object' &&
  v !== null &&
  isStringArray((v as { wanted?: unknown }).wanted) &&
  isStringArray((v as { names?: unknown }).names);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkMap(
  where: string,
  obj: Record<string, unknown>,
  field: string,
  isValue: (v: unknown) => boolean,
  what: string,
): void {
  const map = obj[field];
  if (!isPlainObject(map)) throw new BundleError(`${where}: field "${field}" must be an object`);
  for (const [key, value] of Object.entries(map)) {
    if (!isValue(value) && !isRecordedError(value)) {
      throw new BundleError(`${where}: ${field}[${JSON.stringify(key)}] must be ${what} or {error, message}`);
    }
  }
}

/** Validate parsed JSON as a bundle; `where` names it in error messages. */
function validateBundle(data: unknown, where = 'bundle'): Bundle {
  if (!isPlainObject(data)) throw new BundleError(`${where}: not a whydied bundle (expected a JSON object)`);
  const format = data.format;
  if (typeof format !== 'string' || !format.startsWith('whydied.bundle/')) {
    throw new BundleError(`${where}: not a whydied bundle (format is ${JSON.stringify(format ?? null)})`);
  }
  if (format !== BUNDLE_FORMAT) {
    throw new BundleError(
      `${where}: unsupported bundle version ${JSON.stringify(format)} (this whydied reads ${BUNDLE_FORMAT})`,
    );
  }
  if (typeof data.capturedAt !== 'string') throw new BundleError(`${where}: field "capturedAt" must be a string`);
  // A time a Date can hold (|ms| <= 8.64e15) and after the epoch: every report prints times derived from it.
  if (
    typeof data.capturedAtMs !== 'number' ||
    !Number.isFinite(data.capturedAtMs) ||
    data.capturedAtMs < 0 ||
    data.capturedAtMs > 8.64e15
  ) {
    throw new BundleError(`${where}: field "capturedAtMs" must be a time in milliseconds since 1970`);
  }
  if (typeof data.hostname !== 'string') throw new BundleError(`${where}: field "hostname" must be a string`);
  const target = data.target;
  if (
    !isPlainObject(target) ||
    typeof target.query !== 'string' ||
    !(target.pid === null || (typeof target.pid === 'number' && Number.isInteger(target.pid)))
  ) {
    throw new BundleError(`${where}: field "target" must be {query: string, pid: integer or null}`);
  }
  checkMap(where, data, 'texts', isString, 'a string');
  checkMap(where, data, 'links', isString, 'a string');
  checkMap(where, data, 'dirs', isStringArray, 'an array of strings');
  checkMap(where, data, 'env', isEnvRecord, '{wanted, names}');
  checkMap(where, data, 'commands', isString, 'a string');
  if (!(data.kmsg === null || isString(data.kmsg) || isRecordedError(data.kmsg))) {
    throw new BundleError(`${where}: field "kmsg" must be a string, null or {error, message}`);
  }
  return data as unknown as Bundle;
}

/** Parse bundle text (already read); throws BundleError. */
export function parseBundle(text: string, where = 'bundle'): Bundle {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new BundleError(`${where}: not valid JSON (${why})`);
  }
  return validateBundle(data, where);
}

/** Read and validate a bundle file; throws BundleError with one line for every way it can be bad. */
export function readBundleFile(path: string): Bundle {
  let text: string;
  try {
    text = readBounded(path, 'bundle', INPUT_BOUNDS);
  } catch (err) {
    if (err instanceof BoundedReadError && !/^cannot read/.test(err.message)) throw new BundleError(err.message);
    const code = /: (E[A-Z]+)$/.exec((err as Error).message)?.[1];
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : (code ?? 'unreadable');
    throw new BundleError(`cannot read bundle ${path}: ${why}`);
  }
  return parseBundle(text, `bundle ${path}`);
}

function sortedObject<T>(map: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(map).sort()) out[key] = map[key];
  return out;
}

/** Stable JSON text of a bundle (sorted map keys, so captures diff cleanly). */
export function serializeBundle(bundle: Bundle): string {
  const ordered: Bundle = {
    format: bundle.format,
    capturedAt: bundle.capturedAt,
    capturedAtMs: bundle.capturedAtMs,
    hostname: bundle.hostname,
    target: { query: bundle.target.query, pid: bundle.target.pid },
    texts: sortedObject(bundle.texts),
    links: sortedObject(bundle.links),
    dirs: sortedObject(bundle.dirs),
    env: sortedObject(bundle.env),
    kmsg: bundle.kmsg,
    commands: sortedObject(bundle.commands),
  };
  return `${JSON.stringify(ordered, null, 1)}\n`;
}
