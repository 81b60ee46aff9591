export * from './parse';
export * from './tracefs';
export type { TracePipe } from './pipe';
export { removeAllInstances, registerCleanup } from './registry';
