/** The context a check runs in: what the runner hands every check, and what a plugin's own tests can build. */
import type { Facts } from '../source/types';
import type { CheckContext, CheckTarget } from './types';
import { createTargetModel } from '../model/target-model';

export function createCheckContext(
  facts: Facts,
  target: CheckTarget,
  options: { verbose?: boolean } = {},
): CheckContext {
  return { target, facts, model: createTargetModel(facts, target), options: { verbose: options.verbose ?? false } };
}
