/** The reality harness in one import: real events for the reality suite (see docs/DEVELOPING.md). */
export * from './teardown';
export * from './suite';
export * from './terminal-shell';
export * from './sshd';
export * from './login';
export * from './local-shell';
export * from './runner';
export * from './ci-reapers';
export * from './pidns';
export * from './memcg';
export * from './multiplexers';
export * from './container-cgroup';
