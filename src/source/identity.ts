/** Pid reuse and reboot detection: is this pid still the process we identified earlier? */
import type { Facts, ProcessIdentity } from './types';
import { parseStat } from './parse-stat';
import { parseLineFile } from './parse-host';

/**
 * Reads stat and boot_id through `facts.raw`, not the memo: the memo would replay the very read
 * the identity came from, and the point is to look again.
 */
export function sameIdentity(facts: Facts, identity: ProcessIdentity): boolean {
  const boot = facts.raw.readText('/proc/sys/kernel/random/boot_id');
  if (!boot.ok || parseLineFile(boot.value) !== identity.bootId) return false;
  const stat = facts.raw.readText(`/proc/${identity.pid}/stat`);
  if (!stat.ok) return false;
  const parsed = parseStat(stat.value);
  return parsed !== null && parsed.pid === identity.pid && parsed.startTime === identity.startTime;
}
