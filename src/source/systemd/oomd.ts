/**
 * systemd-oomd as a fact source: which cgroups on a process's path it watches and at what thresholds.
 * - The units' settings from the system manager (`systemctl show -p ManagedOOMSwap,ManagedOOMMemoryPressure,
 *   ManagedOOMMemoryPressureLimit,...` for the slices and unit on the cgroup path, and -.slice: Debian's
 *   systemd-oomd package sets ManagedOOMSwap=kill there and ManagedOOMMemoryPressure=kill with a 50% limit on
 *   user@.service, files 10-oomd-*-defaults.conf);
 * - oomd's own defaults (oomd.conf(5): SwapUsedLimit=90%, DefaultMemoryPressureLimit=60%,
 *   DefaultMemoryPressureDurationSec=30s; /etc/systemd/oomd.conf and oomd.conf.d drop-ins, last one wins).
 * Asked only where it can act: cgroup v2, systemd running, the oomd binary installed. One spawn.
 * systemd 252 prints ManagedOOMMemoryPressureLimit as its D-Bus value (a fraction of 2^32 - 1; 0 = oomd's
 * default); later versions print a percentage: both are read.
 */
import type { Facts } from '../types';
import { managerRunning } from './manager';
import { parseShow } from './show';
import { timespanMs } from './unit-state';

export type OomdWatch = {
  /** The unit whose setting it is, and its cgroup path (what oomd monitors). */
  unit: string;
  cgroup: string;
  /** Memory pressure (`full` avg10 of the watched cgroup) above which, held for durationSec, oomd kills. */
  pressureLimitPct: number;
};

export type OomdFacts = {
  /** systemd-oomd.service is active. */
  running: boolean;
  /** Units on the path with ManagedOOMMemoryPressure=kill (outermost first). */
  pressure: OomdWatch[];
  /** A unit on the path with ManagedOOMSwap=kill (oomd kills the cgroup using the most swap when swap use passes swapUsedLimitPct). */
  swap: { unit: string; cgroup: string } | null;
  durationSec: number;
  swapUsedLimitPct: number;
  argv: string[];
};

const BINARIES = ['/usr/lib/systemd/systemd-oomd', '/lib/systemd/systemd-oomd'];
const CONF_DIRS = [
  '/usr/lib/systemd/oomd.conf.d',
  '/usr/local/lib/systemd/oomd.conf.d',
  '/run/systemd/oomd.conf.d',
  '/etc/systemd/oomd.conf.d',
];
const TIMEOUT_MS = 5000;
const UINT32_MAX = 4294967295;

/** A percentage from `15%`, `15.5%` or 252's scaled D-Bus integer; null for 0 / unset (oomd's default applies). */
export function parseLimitPct(v: string | undefined): number | null {
  if (!v) return null;
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (pct) return Number(pct[1]) > 0 ? Number(pct[1]) : null;
  if (/^\d+$/.test(v) && Number(v) > 0) return Math.round((Number(v) / UINT32_MAX) * 10000) / 100;
  return null;
}

/** oomd.conf then drop-ins sorted by name across directories (the same name in /etc hides the others). */
export function readOomdConf(facts: Facts): {
  pressureLimitPct: number;
  durationSec: number;
  swapUsedLimitPct: number;
} {
  const out = { pressureLimitPct: 60, durationSec: 30, swapUsedLimitPct: 90 };
  const byName = new Map<string, string>();
  for (const dir of CONF_DIRS) {
    const l = facts.raw.listDir(dir);
    if (l.ok) for (const n of l.value.filter((x) => x.endsWith('.conf'))) byName.set(n, `${dir}/${n}`);
  }
  const files = ['/etc/systemd/oomd.conf', ...[...byName.keys()].sort().map((n) => byName.get(n) as string)];
  for (const f of files) {
    const t = facts.text(f);
    if (!t.ok) continue;
    let section = '';
    for (const raw of t.value.split('\n')) {
      const line = raw.trim();
      const sec = /^\[(.+)\]$/.exec(line);
      if (sec) section = sec[1];
      if (section !== 'OOM' || line.startsWith('#')) continue;
      const kv = /^(\w+)\s*=\s*(\S+)$/.exec(line);
      if (!kv) continue;
      if (kv[1] === 'SwapUsedLimit') out.swapUsedLimitPct = parseLimitPct(kv[2]) ?? out.swapUsedLimitPct;
      if (kv[1] === 'DefaultMemoryPressureLimit') out.pressureLimitPct = parseLimitPct(kv[2]) ?? out.pressureLimitPct;
      if (kv[1] === 'DefaultMemoryPressureDurationSec') {
        const ms = timespanMs(kv[2]);
        if (ms !== null && ms > 0) out.durationSec = ms / 1000;
      }
    }
  }
  return out;
}

export function oomdInstalled(facts: Facts): boolean {
  return BINARIES.some((p) => {
    const r = facts.raw.readLink(p);
    return r.ok || r.code === 'EINVAL';
  });
}

/** The system manager's units on a cgroup path (a user manager's units below user@UID.service are its own). */
function unitsOnPath(path: string): { unit: string; cgroup: string }[] {
  const out: { unit: string; cgroup: string }[] = [{ unit: '-.slice', cgroup: '/' }];
  const parts = path.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const c = parts[i];
    if (!/^[A-Za-z0-9:_.@\\-]{1,200}\.(service|scope|slice)$/.test(c)) break;
    out.push({ unit: c, cgroup: `/${parts.slice(0, i + 1).join('/')}` });
    if (/^user@\d+\.service$/.test(c)) break;
  }
  return out;
}

const memo = new WeakMap<Facts, Map<string, OomdFacts | null>>();

/** What systemd-oomd would act on for a process in cgroup `path` (v2); null where it cannot act. */
export function readOomd(facts: Facts, path: string): OomdFacts | null {
  let m = memo.get(facts);
  if (!m) memo.set(facts, (m = new Map()));
  if (m.has(path)) return m.get(path) ?? null;
  let out: OomdFacts | null = null;
  if (managerRunning(facts) && oomdInstalled(facts)) {
    const units = unitsOnPath(path);
    const argv = [
      'systemctl',
      'show',
      '--no-pager',
      '-p',
      'Id,ActiveState,ManagedOOMSwap,ManagedOOMMemoryPressure,ManagedOOMMemoryPressureLimit',
      '--',
      'systemd-oomd.service',
      ...units.map((u) => u.unit),
    ];
    const r = facts.raw.command(argv, TIMEOUT_MS);
    if (r.ok) {
      const conf = readOomdConf(facts);
      const byId = new Map(parseShow(r.value).map((p) => [p.Id, p]));
      const pressure: OomdWatch[] = [];
      let swap: OomdFacts['swap'] = null;
      for (const u of units) {
        const p = byId.get(u.unit);
        if (!p) continue;
        if (p.ManagedOOMMemoryPressure === 'kill')
          pressure.push({
            ...u,
            pressureLimitPct: parseLimitPct(p.ManagedOOMMemoryPressureLimit) ?? conf.pressureLimitPct,
          });
        if (p.ManagedOOMSwap === 'kill' && swap === null) swap = u;
      }
      out = {
        running: byId.get('systemd-oomd.service')?.ActiveState === 'active',
        pressure,
        swap,
        durationSec: conf.durationSec,
        swapUsedLimitPct: conf.swapUsedLimitPct,
        argv,
      };
    }
  }
  m.set(path, out);
  return out;
}
