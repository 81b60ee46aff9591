/**
 * The system service manager, asked through `systemctl show` (via the RawSource, so bundles replay it):
 * only where one runs (/run/systemd/system exists), with a time limit, for named units or one glob.
 * Results are memoised per Facts: several checks and the target finder share one spawn.
 */
import type { Facts } from '../types';
import { parseShow } from './show';
import { toUnitState, UNIT_PROPERTIES, type UnitState } from './unit-state';

// Generous: a loaded host (or an emulated one) takes seconds to list every service.
const TIMEOUT_MS = 10000;

export type ManagerRead =
  { ok: true; units: UnitState[]; argv: string[] } | { ok: false; why: string; argv: string[] | null };

/** sd_booted(): systemd is the init of this (pid namespace's) machine. */
export function managerRunning(facts: Facts): boolean {
  return facts.raw.listDir('/run/systemd/system').ok;
}

const cache = new WeakMap<Facts, Map<string, ManagerRead>>();

/** A unit name safe to pass to systemctl as one argument (no options, no globs beyond the one we add). */
export function isUnitName(name: string): boolean {
  return /^[A-Za-z0-9:_.@\\-]{1,200}\.(service|scope|socket|timer|mount|slice)$/.test(name) && !name.startsWith('-');
}

function show(facts: Facts, patterns: string[], asUser: { uid: number; gid: number } | null = null): ManagerRead {
  const key = `${asUser?.uid ?? ''}\n${patterns.join('\n')}`;
  let memo = cache.get(facts);
  if (!memo) cache.set(facts, (memo = new Map()));
  const hit = memo.get(key);
  if (hit) return hit;
  let r: ManagerRead;
  if (!managerRunning(facts)) {
    r = { ok: false, why: 'systemd is not running on this machine (no /run/systemd/system)', argv: null };
  } else {
    const argv = [
      ...(asUser === null ? [] : userManagerPrefix(asUser.uid, asUser.gid)),
      'systemctl',
      ...(asUser === null ? [] : ['--user']),
      'show',
      '--no-pager',
      '--timestamp=unix',
      '-p',
      UNIT_PROPERTIES.join(','),
      '--',
      ...patterns,
    ];
    const out = facts.raw.command(argv, TIMEOUT_MS);
    r = out.ok
      ? {
          ok: true,
          argv,
          units: parseShow(out.value)
            .map(toUnitState)
            .filter((u): u is UnitState => u !== null && u.loadState !== 'not-found'),
        }
      : {
          ok: false,
          why: out.code === 'ENOENT' ? 'systemctl is not installed' : `systemctl failed: ${out.message}`,
          argv,
        };
  }
  memo.set(key, r);
  return r;
}

/**
 * How to ask user UID's own manager (`systemctl --user`), as that user: root drops to the user's uid and gid
 * with no supplementary groups (setpriv, util-linux) and a clean environment naming only the user's runtime
 * dir, whose `bus` (dbus-user-session) or `systemd/private` socket systemctl then finds. Never as root: the
 * sockets are the user's, and `-M UID@` needs a user bus (dbus-user-session) that a server often lacks
 * (measured on Debian 12's systemd 252 without it: "Transport endpoint is not connected"). Whatever that
 * manager answers is the user's own text: the parser keeps numbers and enum words only.
 */
function userManagerPrefix(uid: number, gid: number): string[] {
  const env = ['env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', `XDG_RUNTIME_DIR=/run/user/${uid}`];
  return ownUid() === uid ? env : ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...env];
}

const ownUid = (): number | null => (typeof process.getuid === 'function' ? process.getuid() : null);

/**
 * The state of these units in user UID's manager (user@UID.service), asked as that user (with its primary
 * group, from /etc/passwd); only root or the user itself can ask.
 */
export function userUnitStates(
  facts: Facts,
  user: { uid: number; gid: number },
  units: readonly string[],
): ManagerRead {
  const { uid, gid } = user;
  const names = [...new Set(units.filter(isUnitName))].sort();
  if (names.length === 0) return { ok: true, units: [], argv: [] };
  const me = ownUid();
  if (!Number.isInteger(uid) || uid < 0 || !Number.isInteger(gid) || gid < 0 || (me !== 0 && me !== uid))
    return { ok: false, why: `only root or uid ${uid} can ask its user manager`, argv: null };
  return show(facts, names, { uid, gid });
}

/** The manager's state of these units (loaded ones only). */
export function unitStates(facts: Facts, units: readonly string[]): ManagerRead {
  const names = [...new Set(units.filter(isUnitName))].sort();
  if (names.length === 0) return { ok: true, units: [], argv: [] };
  return show(facts, names);
}

/**
 * Loaded services whose main process is or last was `pid` (one spawn over every loaded service: a few
 * hundred at most, bounded by the manager, not by the journal's size).
 */
export function unitsByMainPid(facts: Facts, pid: number): { read: ManagerRead; units: UnitState[] } {
  const read = show(facts, ['*.service']);
  return { read, units: read.ok ? read.units.filter((u) => u.mainPid === pid || u.execMainPid === pid) : [] };
}
