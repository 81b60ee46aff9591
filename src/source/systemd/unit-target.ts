/**
 * `whydied demo.service`: a unit name as a target resolves to the unit's main process, or to its last
 * main process when that has ended (the manager keeps ExecMainPID while the unit stays loaded).
 */
import type { DeadTarget, DeadTargetFinder } from '../dead-target';
import { isUnitName, unitStates } from './manager';

export const unitTargets: DeadTargetFinder = (name, facts) => {
  if (!isUnitName(name)) return [];
  const read = unitStates(facts, [name]);
  if (!read.ok) return [];
  const out: DeadTarget[] = [];
  for (const u of read.units) {
    if (u.id !== name) continue;
    const pid = u.mainPid || u.execMainPid;
    if (!pid) continue;
    const st = u.mainPid ? facts.stat(pid) : null;
    out.push({
      pid,
      startTime: st && st.ok ? st.value.startTime : null,
      name,
      timeMs: u.mainPid ? null : u.execMainExitMs,
    });
  }
  return out;
};
