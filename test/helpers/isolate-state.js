/**
 * Jest setup (every test file): tests must never read or write the machine's own state dir
 * (/var/lib/whydied or ~/.local/state/whydied). Each test file gets a fresh private WHYDIED_STATE_DIR
 * unless the environment already names one; child processes inherit it. Removed after the file's tests.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

if (!process.env.WHYDIED_STATE_DIR) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-test-state-'));
  process.env.WHYDIED_STATE_DIR = dir;
  afterAll(() => {
    if (process.env.WHYDIED_STATE_DIR === dir) delete process.env.WHYDIED_STATE_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Nor on the machine's environment: CI sets CI=true (and a real runner its own markers), which every process
 * a test starts would inherit and whydied would rightly report. Scenarios that need a marker set it themselves.
 */
// Jest gives test files a copy of process.env, and child_process spawns with the real one unless told:
// the test helpers pass process.env explicitly (startDetached, runCli).
// The product's own marker list (jest transforms the TypeScript), plus the terminal holders' variables.
const { CI_MARKERS } = require('../../src/model/ci-markers');
for (const name of [...CI_MARKERS, 'TMUX', 'STY']) {
  delete process.env[name];
}
