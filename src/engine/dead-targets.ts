/**
 * Finders of dead processes by name, consulted by `whydied <name>` after the live matches. Empty in
 * the foundation; the postmortem (kernel log, journal) and watch-record issues append theirs here.
 */
import type { DeadTargetFinder } from './diagnose-core';

export const deadTargetFinders: DeadTargetFinder[] = [];
