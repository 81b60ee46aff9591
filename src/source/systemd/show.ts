/**
 * `systemctl show --timestamp=unix -p A,B -- UNIT...` output -> one property map per unit (blocks are
 * separated by blank lines, in no promised order: key them by Id). Values are hostile text. Never throws.
 */
export type UnitProperties = Record<string, string>;

export function parseShow(out: string): UnitProperties[] {
  const units: UnitProperties[] = [];
  let cur: UnitProperties = {};
  for (const line of out.split('\n')) {
    if (line === '') {
      if (Object.keys(cur).length > 0) units.push(cur);
      cur = {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) cur[line.slice(0, eq)] = line.slice(eq + 1);
  }
  if (Object.keys(cur).length > 0) units.push(cur);
  return units;
}
