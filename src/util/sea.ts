/**
 * Whether this process is whydied's single executable (Node's single executable application, built by
 * scripts/build-sea.js): its loader marks the global before the bundle runs. Then process.execPath is
 * whydied itself, not node, and process.argv[1] is whatever name it was started by.
 */
export const SEA_MARK = Symbol.for('whydied.sea');

export function isSingleExecutable(): boolean {
  return (globalThis as Record<symbol, unknown>)[SEA_MARK] === true;
}
