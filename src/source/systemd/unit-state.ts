/** What the service manager holds about one unit, typed from `systemctl show` properties. */
import type { UnitProperties } from './show';

export interface UnitState {
  id: string;
  loadState: string | null;
  activeState: string | null;
  subState: string | null;
  /** The live main process (0 when none). */
  mainPid: number;
  /** The last main process systemd started (stays after it exits, while the unit is loaded). */
  execMainPid: number;
  /** How the last main process ended: 'exited' | 'killed' | 'dumped' (siginfo CLD_*), null while running or never run. */
  execMainCode: 'exited' | 'killed' | 'dumped' | null;
  /** Exit status for 'exited', signal number otherwise. */
  execMainStatus: number | null;
  execMainStartMs: number | null;
  execMainExitMs: number | null;
  result: string | null;
  nRestarts: number | null;
  restart: string | null;
  restartUSec: string | null;
  killMode: string | null;
  /** Bytes; null when infinity or unset. */
  memoryMax: number | null;
  /** 'service', 'scope', ... from the id. */
  type: string;
  /** A service's Type= (simple, exec, forking, oneshot, notify, dbus, idle...); null for other units. */
  serviceType: string | null;
  /** RemainAfterExit=yes: a clean exit of its main process leaves the unit active (SubState=exited), its cgroup alone. */
  remainAfterExit: boolean | null;
  /** ExitType= (systemd 250+): 'main' or 'cgroup'; null from an older manager, which only has 'main'. */
  exitType: string | null;
  /** SendSIGKILL=: whether a stop ends with SIGKILL (systemd.kill(5)); null when not shown. */
  sendSigkill: boolean | null;
  /** TimeoutStopSec= in ms (the wait before that SIGKILL); null when infinity or not shown. */
  timeoutStopMs: number | null;
}

export const UNIT_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'MainPID',
  'ExecMainPID',
  'ExecMainCode',
  'ExecMainStatus',
  'ExecMainStartTimestamp',
  'ExecMainExitTimestamp',
  'Result',
  'NRestarts',
  'Restart',
  'RestartUSec',
  'KillMode',
  'MemoryMax',
  'Type',
  'RemainAfterExit',
  'ExitType',
  'SendSIGKILL',
  'TimeoutStopUSec',
] as const;

const int = (v: string | undefined): number | null => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
// --timestamp=unix prints `@SECONDS`; empty when the event has not happened.
const stamp = (v: string | undefined): number | null => (v && /^@\d+$/.test(v) ? Number(v.slice(1)) * 1000 : null);
const text = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);
const yesNo = (v: string | undefined): boolean | null => (v === 'yes' ? true : v === 'no' ? false : null);
// An enum value (Type=, ExitType=): one lower-case word, or nothing (a user manager's answer is the user's text).
const word = (v: string | undefined): string | null => (v && /^[a-z][a-z-]{0,30}$/.test(v) ? v : null);
// CLD_EXITED=1, CLD_KILLED=2, CLD_DUMPED=3 (the manager prints the siginfo code as a number).
const CODES: Readonly<Record<string, UnitState['execMainCode']>> = { '1': 'exited', '2': 'killed', '3': 'dumped' };

export function toUnitState(p: UnitProperties): UnitState | null {
  const id = p.Id;
  if (!id) return null;
  const code = CODES[p.ExecMainCode ?? ''] ?? null;
  return {
    id,
    loadState: text(p.LoadState),
    activeState: text(p.ActiveState),
    subState: text(p.SubState),
    mainPid: int(p.MainPID) ?? 0,
    execMainPid: int(p.ExecMainPID) ?? 0,
    execMainCode: code,
    execMainStatus: code ? int(p.ExecMainStatus) : null,
    execMainStartMs: stamp(p.ExecMainStartTimestamp),
    execMainExitMs: stamp(p.ExecMainExitTimestamp),
    result: text(p.Result),
    nRestarts: int(p.NRestarts),
    restart: text(p.Restart),
    restartUSec: text(p.RestartUSec),
    killMode: word(p.KillMode),
    memoryMax: int(p.MemoryMax),
    type: id.slice(id.lastIndexOf('.') + 1),
    serviceType: word(p.Type),
    remainAfterExit: yesNo(p.RemainAfterExit),
    exitType: word(p.ExitType),
    sendSigkill: yesNo(p.SendSIGKILL),
    timeoutStopMs: timespanMs(p.TimeoutStopUSec ?? null),
  };
}

/** `100ms`, `5s`, `1min 30s`, `infinity` (systemd's timespan format) -> milliseconds. */
export function timespanMs(v: string | null): number | null {
  if (!v) return null;
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60000, h: 3600000, d: 86400000 };
  let total = 0;
  let seen = false;
  for (const part of v.trim().split(/\s+/)) {
    const m = /^(\d+(?:\.\d+)?)(us|ms|s|min|h|d)$/.exec(part);
    if (!m) return null;
    total += Number(m[1]) * units[m[2]];
    seen = true;
  }
  return seen ? total : null;
}
