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

function show(facts: Facts, patterns: string[]): ManagerRead {
  const key = patterns.join('\n');
  let memo = cache.get(facts);
  if (!memo) cache.set(facts, (memo = new Map()));
  const hit = memo.get(key);
  if (hit) return hit;
  let r: ManagerRead;
  if (!managerRunning(facts)) {
    r = { ok: false, why: 'systemd is not running on this machine (no /run/systemd/system)', argv: null };
  } else {
    const argv = [
      'systemctl',
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
