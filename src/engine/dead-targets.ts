/**
 * Finders of dead processes by name, consulted by `whydied <name>` after the live matches.
 */
import type { DeadTargetFinder } from './diagnose-core';
import { findDeadByName } from '../source/kernel-log/dead-by-name';
import { recordDeadTargets } from '../record/dead-targets';

// Recordings first: they hold the exact identity (pid + start time); the kernel log only pid + name.
export const deadTargetFinders: DeadTargetFinder[] = [recordDeadTargets, findDeadByName];
