// Two projects in one run, both serial (maxWorkers 1; `npm test` adds --runInBand):
// - unit: everything under test/ except the reality suite;
// - reality: test/reality, real events (SSH hangups, group kills, CI reapers, namespaces, OOM kills).
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `tsc` in the build step; tests only need transpiling.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test'], testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reality/'] },
    { ...shared, displayName: 'reality', roots: ['<rootDir>/test/reality'] },
  ],
  testTimeout: 60000,
  // A private state dir per test file: never the machine's records (test/helpers/isolate-state.js).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/isolate-state.js'],
  // Real processes and kernel state: run serially so scenarios do not disturb each other.
  maxWorkers: 1,
};
