/** @type {import('jest').Config} */
const base = {
  testEnvironment: 'node',
  transform: {
    // Type checking is done once by `tsc` in the build step; tests only need transpiling.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
};

module.exports = {
  testTimeout: 60000,
  // Real processes and kernel state: run serially so scenarios do not disturb each other.
  maxWorkers: 1,
  projects: [
    {
      ...base,
      displayName: 'whydied',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/systemd/'],
    },
    {
      // A real systemd booted with systemd-nspawn (root only; skips with the reason otherwise): the global
      // setup boots it once, the teardown powers it off and restores the host.
      ...base,
      displayName: 'systemd',
      roots: ['<rootDir>/test/systemd'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/systemd/global-setup.ts',
      globalTeardown: '<rootDir>/test/systemd/global-teardown.ts',
    },
  ],
};
