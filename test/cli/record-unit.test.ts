/**
 * One recorder unit text: deploy/whydied-record.service (what the Debian package installs) is what
 * renderUnit makes for /usr/bin/whydied, and `record --print-unit` prints that same text for the command
 * that runs it (here node + dist/whydied.js). The unit's syntax and hardening: test/fleet/deploy.test.ts;
 * systemd starting it for real: test/packaging/deb.test.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { renderUnit, DEFAULT_OUTPUT, NODE_EXPORTER_TEXTFILE_DIR } from '../../src/record/unit';
import { runCli } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist', 'whydied.js');

describe('the recorder unit', () => {
  it('deploy/whydied-record.service is the unit for /usr/bin/whydied (regenerate: node scripts/record-unit.js)', () => {
    const file = fs.readFileSync(path.join(ROOT, 'deploy', 'whydied-record.service'), 'utf8');
    expect(file).toBe(renderUnit({ command: ['/usr/bin/whydied'] }));
  });

  it('record --print-unit prints the same text for the command that runs it', () => {
    const r = runCli(['record', '--print-unit']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(renderUnit({ command: [process.execPath, fs.realpathSync(CLI)] }));
  });

  it("writes to Debian's node_exporter textfile directory, which may not exist yet", () => {
    const unit = renderUnit({ command: ['/usr/bin/whydied'] });
    expect(unit).toContain(`--output ${DEFAULT_OUTPUT}\n`);
    expect(unit).toMatch(new RegExp(`^ReadWritePaths=-${NODE_EXPORTER_TEXTFILE_DIR}$`, 'm'));
  });

  it('carries --state-dir and --output, a custom state dir writable too', () => {
    const r = runCli(['record', '--print-unit', '--state-dir', '/srv/wd', '--output', 'store,prom=/srv/tf dir']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ExecStart=\S+ \S+ record --state-dir \/srv\/wd --output "store,prom=\/srv\/tf dir"$/m);
    expect(r.stdout).toMatch(/^ReadWritePaths=-\/srv\/wd -\/srv\/tf\\x20dir$/m);
  });

  it('refuses an output list that would add a line to the unit', () => {
    const r = runCli(['record', '--print-unit', '--output', 'store,prom=/x\nExecStartPre=/bin/true']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
