/**
 * Finders of processes by name beyond live comm/argv[0] matches (launch names, recordings, the kernel
 * log), consulted by `whydied <name>` after the live matches.
 */
import type { DeadTargetFinder } from '../source/dead-target';
import { findDeadByName } from '../source/kernel-log/dead-by-name';
import { recordDeadTargets } from '../record/dead-targets';
import { launchedTargets } from '../launch/registry';
import { unitTargets } from '../source/systemd/unit-target';

// `whydied launch --name N` entries first (N is not the process's comm), then recordings (exact identity:
// pid + start time), then the kernel log (pid + name only).
// A systemd unit name (`demo.service`) resolves through the service manager.
export const deadTargetFinders: DeadTargetFinder[] = [launchedTargets, recordDeadTargets, findDeadByName, unitTargets];
