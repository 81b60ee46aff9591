/**
 * A plugin adds a finding and a survival rule through the API the built-ins use: a real plugin file,
 * a real process, the built CLI. The check reads the model (as built-in checks do), the rule reads the
 * model's sections (as built-in rules do) and is tried before the built-in rules of its event.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, runCli, startDetached, waitFor, procStat } from '../helpers/processes';
import { expectValidReports, reportsOf } from '../helpers/schema';
import type { Report } from '../../src/engine/types';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-plugin-rules-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(dir, { recursive: true, force: true });
});

const PLUGIN = `
// An acme supervisor marks the processes it restarts with --acme-keepalive on their command line.
const marked = (chain) => chain !== null && Array.isArray(chain.self.argv) && chain.self.argv.includes('--acme-keepalive');
module.exports = {
  checks: [{
    meta: { id: 'acme/keepalive', title: 'Acme keepalive', description: 'Is it under the acme supervisor?', requires: ['existence'],
            codes: { marked: 'the acme supervisor restarts it', plain: 'not marked' } },
    run: (ctx) => {
      const chain = ctx.model.chain.ok ? ctx.model.chain.value.section : null;
      return marked(chain)
        ? { status: 'pass', code: 'marked', summary: 'restarted by the acme supervisor', evidence: { parent: chain.ancestors[0] ? chain.ancestors[0].comm : null } }
        : { status: 'info', code: 'plain', summary: 'not marked' };
    },
  }],
  rules: [{
    code: 'acme/keepalive.restarted', event: 'group-kill', outcome: 'survives', confidence: 'likely',
    meaning: 'the acme supervisor restarts what a group kill ends',
    when: (e) => (marked(e.chain) ? 'the acme supervisor restarts it (--acme-keepalive)' : null),
  }],
};
`;

test('a plugin check and a plugin rule show in the report, in `checks --rules`, and decide their row', async () => {
  const plugin = path.join(dir, 'acme.js');
  fs.writeFileSync(plugin, PLUGIN);
  // A process left in a bash group: the built-in table says a group kill kills it.
  const pidFile = path.join(dir, 'pid');
  startDetached('bash', [
    '-c',
    `python3 -c 'import time; time.sleep(1000)' --acme-keepalive & echo $! > ${pidFile}; sleep 1000`,
  ]);
  expect(await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '', 10000)).toBe(
    true,
  );
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  expect(await waitFor(() => procStat(pid)?.comm === 'python3', 10000)).toBe(true);

  const without = reportsOf<Report>(runCli([String(pid), '--json']).stdout)[0];
  const builtIn = without.risks.find((r) => r.event === 'group-kill');
  expect(builtIn?.code.startsWith('group.')).toBe(true);

  const res = runCli([String(pid), '--json', '--check', plugin]);
  // A plugin's rule code is part of the published contract too (schema/report.schema.json).
  expectValidReports(res.stdout);
  const report = reportsOf<Report>(res.stdout)[0];
  expect(report.checks.find((c) => c.id === 'acme/keepalive')).toMatchObject({
    status: 'pass',
    code: 'marked',
    evidence: { parent: expect.any(String) },
  });
  expect(report.risks.find((r) => r.event === 'group-kill')).toMatchObject({
    code: 'acme/keepalive.restarted',
    outcome: 'survives',
    confidence: 'likely',
    reason: 'the acme supervisor restarts it (--acme-keepalive)',
  });
  // The other rows are still the built-in table's.
  expect(report.risks.find((r) => r.event === 'terminal-hangup')?.code).toBe(
    without.risks.find((r) => r.event === 'terminal-hangup')?.code,
  );

  const rules = JSON.parse(runCli(['checks', '--rules', '--json', '--check', plugin]).stdout) as Array<{
    code: string;
  }>;
  expect(rules[0].code).toBe('acme/keepalive.restarted');
  expect(rules.some((r) => r.code.startsWith('group.'))).toBe(true);
  expect(runCli(['checks', '--check', plugin]).stdout).toContain('acme/keepalive');
});

test.each([
  [
    'an unnamespaced code',
    "module.exports = { rules: [{ code: 'group.mine', event: 'group-kill', outcome: 'dies', confidence: 'likely', meaning: 'm', when: () => null }] };",
    "must be namespaced like 'vendor/name.case'",
  ],
  [
    'an unknown event',
    "module.exports = { rules: [{ code: 'acme/x.y', event: 'reboot', outcome: 'dies', confidence: 'likely', meaning: 'm', when: () => null }] };",
    'event must be one of',
  ],
  [
    'no when',
    "module.exports = { rules: [{ code: 'acme/x.y', event: 'group-kill', outcome: 'dies', confidence: 'likely', meaning: 'm' }] };",
    'has no when function',
  ],
])('a plugin rule with %s is a usage error: one line, exit 2', (_what, body, message) => {
  const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, body);
  const res = runCli([String(process.pid), '--check', file]);
  expect(res.status).toBe(2);
  expect(res.stderr.trim().split('\n')).toHaveLength(1);
  expect(res.stderr).toContain(message);
});

test('a plugin rule that throws decides nothing: the built-in rule decides the row', async () => {
  const file = path.join(dir, 'throws.js');
  fs.writeFileSync(
    file,
    "module.exports = { rules: [{ code: 'acme/boom.always', event: 'memory-pressure', outcome: 'dies', confidence: 'certain', meaning: 'm', when: () => { throw new Error('boom'); } }] };",
  );
  const report = reportsOf<Report>(runCli([String(process.pid), '--json', '--check', file]).stdout)[0];
  expect(report.risks.find((r) => r.event === 'memory-pressure')?.code.startsWith('memory.')).toBe(true);
});
