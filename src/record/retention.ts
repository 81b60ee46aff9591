/**
 * What the recorder's store keeps (`--clean-exits`, default from WHYDIED_CLEAN_EXITS; README "Retention").
 * The store is bounded by bytes (records.jsonl up to the cap, plus one rotated file), so every clean exit
 * kept is history lost for the deaths: on a busy node (45 exits/s, ~520 B each) the 2 x 8 MiB store held
 * about 12 minutes. The policy:
 *  - all     every exit (the default; a diagnosis of a pid that exited 0 can say so);
 *  - none    deaths only: exit codes other than 0, signals, OOM kills, crashes;
 *  - N/s     clean exits up to N a second (a token bucket holding one second's worth); deaths always.
 * Deaths are never dropped. Privacy (--redact-argv) is applied here too, so the store holds what the other
 * outputs publish (src/fleet/privacy.ts).
 */
import { UsageError } from '../util/errors';
import { escapeControl } from '../util/escape';
import type { DeathRecord } from '../source/records/types';
import { redactArgv } from '../fleet/privacy';
import { isCleanExit } from '../source/death';

export type CleanExits = { mode: 'all' } | { mode: 'none' } | { mode: 'rate'; perSecond: number };

export const CLEAN_EXITS_ENV = 'WHYDIED_CLEAN_EXITS';

export function parseCleanExits(spec: string): CleanExits {
  const s = spec.trim();
  if (s === 'all') return { mode: 'all' };
  if (s === 'none') return { mode: 'none' };
  const m = /^(\d{1,6}(?:\.\d{1,3})?)\/s$/.exec(s);
  if (m && Number(m[1]) > 0) return { mode: 'rate', perSecond: Number(m[1]) };
  throw new UsageError(`--clean-exits '${escapeControl(spec)}': give all, none, or a rate such as 5/s`);
}

export interface RetentionOptions {
  cleanExits?: CleanExits;
  redactArgv?: boolean;
}

export class Retention {
  private tokens: number;
  private lastMs = 0;
  /** Clean exits left out of the store (the status reports them). */
  skipped = 0;

  constructor(private readonly opts: RetentionOptions = {}) {
    const c = opts.cleanExits;
    this.tokens = c?.mode === 'rate' ? c.perSecond : 0;
  }

  /** The record to store, or null when the policy leaves it out. `nowMs`: when it is stored (a clock). */
  keep<T extends DeathRecord>(rec: T, nowMs: number): T | null {
    if (isCleanExit(rec.cause) && !this.allowClean(nowMs)) {
      this.skipped++;
      return null;
    }
    return this.opts.redactArgv ? redactArgv(rec) : rec;
  }

  private allowClean(nowMs: number): boolean {
    const c = this.opts.cleanExits ?? { mode: 'all' };
    if (c.mode === 'all') return true;
    if (c.mode === 'none') return false;
    // Refill at the rate, never above one second's worth: a quiet minute does not buy a burst of 60 s.
    if (this.lastMs > 0)
      this.tokens = Math.min(c.perSecond, this.tokens + ((nowMs - this.lastMs) / 1000) * c.perSecond);
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
