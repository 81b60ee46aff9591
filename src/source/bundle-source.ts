/** RawSource replaying a capture bundle: same paths, same texts, nothing read from this machine. */
import { fail, ok } from './types';
import type { RawSource, Read } from './types';
import { isRecordedError } from './bundle';
import type { Bundle, Recorded } from './bundle';

function replay<T>(entry: Recorded<T> | undefined, what: string): Read<T> {
  if (entry === undefined) return fail('NOTCAPTURED', `${what} was not captured in the bundle`);
  if (isRecordedError(entry)) return fail(entry.error, entry.message);
  return ok(entry);
}

const own = <T>(map: Record<string, T>, key: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;

export function createBundleSource(bundle: Bundle): RawSource {
  return {
    kind: 'bundle',
    readText: (path) => replay(own(bundle.texts, path), path),
    readLink: (path) => replay(own(bundle.links, path), `link ${path}`),
    listDir: (path) => replay(own(bundle.dirs, path), `directory ${path}`),
    envNames(pid, wanted) {
      const entry = replay(own(bundle.env, String(pid)), `environment names of ${pid}`);
      if (!entry.ok) return entry;
      // Only answer when every name asked for was asked at capture time; otherwise absence is unknown.
      const missing = wanted.filter((w) => !entry.value.wanted.includes(w));
      if (missing.length > 0) {
        return fail('NOTCAPTURED', `environment names ${missing.join(', ')} of ${pid} were not captured`);
      }
      return ok(entry.value.names.filter((n) => wanted.includes(n)));
    },
    readKmsg: () => replay(bundle.kmsg ?? undefined, 'the kernel log'),
    command: (argv) => replay(own(bundle.commands, JSON.stringify(argv)), `output of ${argv.join(' ')}`),
    hostname: () => bundle.hostname,
    now: () => bundle.capturedAtMs,
  };
}
