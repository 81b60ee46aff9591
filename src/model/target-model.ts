/**
 * The model of one target: a typed, lazily derived view over Facts that the checks, the survival rules
 * and the remedy all read. Each section is derived once, on first read, so a check that needs another
 * section's knowledge (stdio needs the SIGPIPE disposition, ci the runner ancestor) reads it here, not
 * from another check's finding.
 */
import type { Facts, Read } from '../source/types';
import type { CheckTarget } from './target';
import { deriveExistence, type ExistenceSection } from './existence';
import { deriveChain, type Chain } from './chain';
import { deriveSignals, type SignalsSection } from './signals';
import { deriveGroup, type GroupSection } from './group';
import { deriveTty, type TtySection } from './tty';
import { deriveStdio, type Stdio } from './stdio';
import { deriveCgroup, type Cgroup } from './cgroup';
import { deriveCi, type Ci } from './ci';
import { deriveMemory, type Memory } from './memory';
import { deriveNamespace, type Namespace } from './namespace';
import { deriveLimits, type LimitsSection } from './limits';

export interface TargetModel {
  readonly target: CheckTarget;
  readonly existence: ExistenceSection;
  readonly chain: Read<Chain>;
  readonly signals: Read<SignalsSection>;
  readonly group: Read<GroupSection>;
  readonly tty: Read<TtySection>;
  readonly stdio: Read<Stdio>;
  readonly cgroup: Read<Cgroup>;
  readonly ci: Ci;
  readonly memory: Memory;
  readonly namespace: Read<Namespace>;
  readonly limits: Read<LimitsSection>;
}

/** One getter per section, each computed on first read and kept. */
function lazy<T extends object>(derivers: { [K in keyof T]: () => T[K] }): T {
  const out = {} as T;
  for (const key of Object.keys(derivers) as (keyof T)[]) {
    let done = false;
    let value: T[typeof key];
    Object.defineProperty(out, key, {
      enumerable: true,
      get: () => {
        if (!done) {
          value = derivers[key]();
          done = true;
        }
        return value;
      },
    });
  }
  return out;
}

/**
 * `askManager`: whether a section may ask the service manager (a `systemctl show` spawn); false when the
 * check presenting the manager's view does not run (--skip systemd-unit).
 */
export function createTargetModel(
  facts: Facts,
  target: CheckTarget,
  opts: { askManager: boolean } = { askManager: true },
): TargetModel {
  const pid = target.pid;
  const model: TargetModel = lazy<TargetModel>({
    target: () => target,
    existence: () => deriveExistence(facts, target),
    chain: () => deriveChain(facts, target, opts),
    signals: () => deriveSignals(facts, pid),
    group: () => deriveGroup(facts, pid),
    tty: () => deriveTty(facts, target),
    // A zombie's masks mean nothing: its pipes are judged with the default SIGPIPE action.
    stdio: () =>
      deriveStdio(facts, pid, model.existence.state !== 'zombie' && model.signals.ok ? model.signals.value : null),
    cgroup: () => deriveCgroup(facts, pid, opts),
    ci: () => deriveCi(facts, pid, model.chain.ok ? model.chain.value.section : null),
    memory: () => deriveMemory(facts, pid),
    namespace: () => deriveNamespace(facts, pid),
    limits: () => deriveLimits(facts, pid),
  });
  return model;
}
