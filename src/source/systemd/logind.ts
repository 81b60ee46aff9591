/**
 * logind and user-manager facts read from files (no spawn, no `systemd --version`): the effective
 * KillUserProcesses= and which file decided it, whether a user lingers, whether systemd is running and
 * whether systemd-run is installed.
 */
import type { Facts } from '../types';
import { managerRunning } from './manager';

/** Last KillUserProcesses= in the [Login] section (later files override earlier ones); `commented` reads `#KillUserProcesses=`. */
export function parseKillUserProcesses(text: string, commented = false): boolean | null {
  let section = '';
  let value: boolean | null = null;
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1];
      continue;
    }
    if (commented) {
      if (!line.startsWith('#')) continue;
      line = line.slice(1).trim();
    } else if (line.startsWith('#') || line.startsWith(';')) continue;
    const kv = /^KillUserProcesses\s*=\s*(\S*)/.exec(line);
    if (kv && section === 'Login') value = /^(1|yes|true|on)$/i.test(kv[1]);
  }
  return value;
}

export interface KillUserProcesses {
  value: boolean | null;
  /** The file whose assignment won; for the compiled-in default, the shipped file that shows it commented out. */
  source: string | null;
  /** True when no file sets it and the value is the build's default. */
  compiledDefault: boolean;
}

const MAIN_FILES = ['/etc/systemd/logind.conf', '/usr/lib/systemd/logind.conf'];
const DROPIN_DIRS = [
  '/usr/lib/systemd/logind.conf.d',
  '/usr/local/lib/systemd/logind.conf.d',
  '/run/systemd/logind.conf.d',
  '/etc/systemd/logind.conf.d',
];

/**
 * logind reads logind.conf, then drop-ins sorted by file name across the directories (a same-named file
 * in /etc hides the others); the last assignment wins. When nothing sets it, the shipped logind.conf
 * lists every default commented out (`#KillUserProcesses=no` on Debian builds, `yes` upstream): that
 * line is generated from the build option, so it is the compiled-in default.
 */
export function readKillUserProcesses(facts: Facts): KillUserProcesses {
  const main = MAIN_FILES.find((f) => facts.text(f).ok) ?? null;
  const byName = new Map<string, string>();
  for (const dir of DROPIN_DIRS) {
    const list = facts.raw.listDir(dir);
    if (list.ok) for (const n of list.value.filter((x) => x.endsWith('.conf'))) byName.set(n, `${dir}/${n}`);
  }
  const files = [...(main ? [main] : []), ...[...byName.keys()].sort().map((n) => byName.get(n) as string)];
  let value: boolean | null = null;
  let source: string | null = null;
  for (const f of files) {
    const t = facts.text(f);
    if (!t.ok) continue;
    const v = parseKillUserProcesses(t.value);
    if (v !== null) {
      value = v;
      source = f;
    }
  }
  if (value !== null || !main) return { value, source, compiledDefault: false };
  const t = facts.text(main);
  const def = t.ok ? parseKillUserProcesses(t.value, true) : null;
  return def === null
    ? { value: null, source: null, compiledDefault: false }
    : { value: def, source: main, compiledDefault: true };
}

/** The fields of the first /etc/passwd line for `uid` that has at least `min` of them (null when none). */
function passwdFields(facts: Facts, uid: number, min: number): string[] | null {
  const t = facts.text('/etc/passwd');
  if (!t.ok) return null;
  for (const line of t.value.split('\n')) {
    const f = line.split(':');
    if (f.length >= min && f[2] === String(uid)) return f;
  }
  return null;
}

/** The login name of a uid from /etc/passwd (null when unknown). */
export function userName(facts: Facts, uid: number): string | null {
  return passwdFields(facts, uid, 3)?.[0] ?? null;
}

/** The primary group of a uid from /etc/passwd (null when unknown). */
export function userGid(facts: Facts, uid: number): number | null {
  const gid = passwdFields(facts, uid, 4)?.[3];
  return gid !== undefined && /^\d{1,10}$/.test(gid) ? Number(gid) : null;
}

/** The home directory of a uid from /etc/passwd (null when unknown, or not a directory a user owns: `/`, /nonexistent). */
export function userHome(facts: Facts, uid: number): string | null {
  const home = passwdFields(facts, uid, 7)?.[5];
  return home !== undefined && home.startsWith('/') && home !== '/' && !home.startsWith('/nonexistent') ? home : null;
}

/** `loginctl enable-linger USER` leaves /var/lib/systemd/linger/USER; null when that cannot be read. */
export function lingers(facts: Facts, user: string): boolean | null {
  const list = facts.raw.listDir('/var/lib/systemd/linger');
  if (list.ok) return list.value.includes(user);
  return list.code === 'ENOENT' ? false : null;
}

/** Path of systemd-run when installed (a readlink of a regular file fails with EINVAL: it exists). */
export function systemdRunPath(facts: Facts): string | null {
  for (const p of ['/usr/bin/systemd-run', '/bin/systemd-run']) {
    const r = facts.raw.readLink(p);
    if (r.ok || r.code === 'EINVAL') return p;
  }
  return null;
}

export interface SystemdHostFacts {
  /** systemd is PID 1 here (/run/systemd/system exists). */
  running: boolean;
  systemdRun: string | null;
}

export function systemdHost(facts: Facts): SystemdHostFacts {
  return { running: managerRunning(facts), systemdRun: systemdRunPath(facts) };
}
