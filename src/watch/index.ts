export { watch } from './watch';
export type { WatchBackend, WatchOptions, WatchResult } from './types';
export { toDeathRecord } from './to-record';
