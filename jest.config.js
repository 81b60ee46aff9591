/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `tsc` in the build step; tests only need transpiling.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  testTimeout: 60000,
  // A private state dir per test file: never the machine's records (test/helpers/isolate-state.js).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/isolate-state.js'],
  // Real processes and kernel state: run serially so scenarios do not disturb each other.
  maxWorkers: 1,
};
