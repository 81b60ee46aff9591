/** The systemd service manager as a fact source (systemctl show), for checks and the unit target finder. */
export { managerRunning, unitStates, userUnitStates, unitsByMainPid, isUnitName } from './manager';
export type { ManagerRead } from './manager';
export { timespanMs } from './unit-state';
export type { UnitState } from './unit-state';
export { parseShow } from './show';
export {
  readKillUserProcesses,
  parseKillUserProcesses,
  userName,
  userHome,
  userGid,
  lingers,
  systemdRunPath,
  systemdHost,
} from './logind';
export type { KillUserProcesses, SystemdHostFacts } from './logind';
export { readOomd, readOomdConf, parseLimitPct, oomdInstalled } from './oomd';
export type { OomdFacts, OomdWatch } from './oomd';
