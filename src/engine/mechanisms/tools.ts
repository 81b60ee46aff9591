import type { Mechanism } from './types';

/** Well-known tools' ways of ending a process (shells, wrappers, keepers, supervisors, runners, inits). */
export const toolMechanisms: readonly Mechanism[] = [];
