/**
 * The library as a user gets it: a project with whydied in its node_modules (a link to this build),
 * `require('whydied')` through the package's `exports`, a diagnosis of a real process, a plugin rule
 * given as an object, rendering, and the exit code. Deep imports are closed by the exports map.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, procStat, startDetached, waitFor } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '../..');
let project: string;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-lib-'));
  fs.mkdirSync(path.join(project, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(project, 'node_modules', 'whydied'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(project, { recursive: true, force: true });
});

function runScript(body: string): { status: number | null; stdout: string; stderr: string } {
  const file = path.join(project, `script-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, body);
  const r = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', env: process.env, timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a script diagnoses a real process, adds a rule, renders it and takes the exit code', async () => {
  const pidFile = path.join(project, 'pid');
  startDetached('bash', ['-c', `sleep 1001 & echo $! > ${pidFile}; sleep 1000`]);
  expect(await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '', 10000)).toBe(
    true,
  );
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  expect(await waitFor(() => procStat(pid)?.comm === 'sleep', 10000)).toBe(true);

  const r = runScript(`
    const { diagnose, render, exitCodeForAll, defineRule, SURVIVAL_RULES } = require('whydied');
    const rule = defineRule({
      code: 'acme/sleepers.kept', event: 'parent-exit', outcome: 'survives', confidence: 'likely',
      meaning: 'acme keeps its sleepers', when: (e) => (e.process && e.process.comm === 'sleep' ? 'acme keeps it' : null),
    });
    (async () => {
      const [report] = await diagnose('${pid}', { rules: [rule] });
      const row = (ev) => report.risks.find((k) => k.event === ev);
      console.log(JSON.stringify({
        schema: report.schema, pid: report.target.pid, status: report.verdict.status,
        group: row('group-kill').code, parent: row('parent-exit').code, builtins: SURVIVAL_RULES.length,
        exit: exitCodeForAll([report]),
      }));
      process.stdout.write(render([report], 'table', { width: 80 }));
    })();
  `);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const [first, ...table] = r.stdout.split('\n');
  const out = JSON.parse(first) as Record<string, unknown>;
  expect(out).toMatchObject({
    schema: 'whydied.report/2',
    pid,
    status: 'at-risk',
    parent: 'acme/sleepers.kept',
    exit: 1,
  });
  expect(String(out.group).startsWith('group.')).toBe(true);
  expect(out.builtins).toBeGreaterThan(20);
  expect(table[0]).toMatch(/^AT RISK +sleep \(pid \d+\)/);
});

test('the exports map closes deep imports and serves the schemas', () => {
  const r = runScript(`
    try { require('whydied/dist/src/engine/verdict'); console.log('open'); } catch (e) { console.log(e.code); }
    console.log(require('whydied/schema/report.schema.json').$id ? 'schema' : 'no schema');
  `);
  expect(r.stdout.split('\n').slice(0, 2)).toEqual(['ERR_PACKAGE_PATH_NOT_EXPORTED', 'schema']);
});
