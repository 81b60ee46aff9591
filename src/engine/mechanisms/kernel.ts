import type { Mechanism } from './types';

/** The kernel's own mechanisms (tty hangup, orphaned groups, namespaces, pdeathsig, SIGPIPE, OOM, cgroups). */
export const kernelMechanisms: readonly Mechanism[] = [];
