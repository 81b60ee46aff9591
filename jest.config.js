// Projects in one run, all serial (maxWorkers 1; `npm test` adds --runInBand):
// - unit: everything under test/ except the reality and systemd suites;
// - reality: test/reality, real events (SSH hangups, group kills, CI reapers, namespaces, OOM kills);
// - systemd: test/systemd, a real systemd booted with systemd-nspawn (root only; skips with the reason
//   otherwise): its global setup boots it once, the teardown powers it off and restores the host;
// - packaging: test/packaging, the single executable and the Debian package in that container, with no node.
// - v2vm: test/v2vm, a pure cgroup v2 Debian 12 VM under QEMU (scripts/v2vm.sh; root and qemu only, skips with
//   the reason otherwise): its global setup builds the image when needed and boots once, the teardown powers off.
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `tsc` in the build step; tests only need transpiling.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  // A private state dir per test file: never the machine's records (test/helpers/isolate-state.js).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/isolate-state.js'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/reality/',
        '<rootDir>/test/systemd/',
        '<rootDir>/test/packaging/',
        '<rootDir>/test/fleet/image/',
        '<rootDir>/test/v2vm/',
      ],
    },
    { ...shared, displayName: 'reality', roots: ['<rootDir>/test/reality'] },
    {
      ...shared,
      displayName: 'systemd',
      roots: ['<rootDir>/test/systemd'],
      globalSetup: '<rootDir>/test/systemd/global-setup.ts',
      globalTeardown: '<rootDir>/test/systemd/global-teardown.ts',
    },
    // The single executable and the Debian package in the systemd container with no node (root; boots and
    // powers off the container itself: run under `flock /tmp/whydied-nspawn.lock`).
    { ...shared, displayName: 'packaging', roots: ['<rootDir>/test/packaging'] },
    // fleet-image: deploy/image/build.sh's image run with podman as the DaemonSet asks (root; skips with the
    // reason when podman cannot run here).
    { ...shared, displayName: 'fleet-image', roots: ['<rootDir>/test/fleet/image'] },
    {
      ...shared,
      displayName: 'v2vm',
      roots: ['<rootDir>/test/v2vm'],
      globalSetup: '<rootDir>/test/v2vm/global-setup.ts',
      globalTeardown: '<rootDir>/test/v2vm/global-teardown.ts',
    },
  ],
  testTimeout: 60000,
  // Real processes and kernel state: run serially so scenarios do not disturb each other.
  maxWorkers: 1,
};
