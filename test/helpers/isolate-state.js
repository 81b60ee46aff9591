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
