/** The context a check runs in: what the runner hands every check, and what a plugin's own tests can build. */
import type { Facts } from '../source/types';
import type { CheckContext, CheckTarget } from './types';
import { createTargetModel } from '../model/target-model';
import { PRESENTERS } from '../model/sections';

/**
 * `checks`: the ids of the checks that will run (default: all). The model asks the service manager only when
 * the check presenting its view is among them: `--skip systemd-unit` spawns no `systemctl show`.
 */
export function createCheckContext(
  facts: Facts,
  target: CheckTarget,
  options: { verbose?: boolean; checks?: readonly string[] } = {},
): CheckContext {
  const askManager = options.checks?.includes(PRESENTERS.serviceManager) ?? true;
  return {
    target,
    facts,
    model: createTargetModel(facts, target, { askManager }),
    options: { verbose: options.verbose ?? false },
  };
}
