/** Postmortem evidence from the kernel log. */
export * from './types';
export { readKernelLog } from './read';
export type { KernelLogRead, KernelLogSource } from './read';
export { scanKernelText, detectFormat, decodeKernelEscapes } from './records';
export type { ScanClock, ScanResult } from './records';
export { parseKernelMessage } from './parse';
export { locateEvents, buildIncidents, incidentsOf, findDeaths, findHungTasks, sameComm, trapSignal } from './incidents';
export { findDeadByName } from './dead-by-name';
export type { DeadByName } from './dead-by-name';
export { describeDeath, adviceFor, formatTime, formatKb, describePageFault } from './describe';
export { KERNEL_KEYWORDS, candidateLineStarts, mayBeEvent } from './prefilter';
