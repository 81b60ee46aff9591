/**
 * The npm way (README, *Install*): `npm pack` then `npm install -g` puts `whydied` and `man whydied` on
 * PATH (here into a temporary prefix), and the README's plugin and script examples run as pasted from a
 * fresh folder that installed the same tarball. Uses the registry for whydied's dependencies.
 */
import { spawnSync, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, startDetached } from '../helpers/processes';

jest.setTimeout(600000);
const ROOT = path.resolve(__dirname, '../..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let tmp: string;
let prefix: string;
let tgz: string;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 540000,
    env: { ...process.env, npm_config_loglevel: 'error', npm_config_fund: 'false', npm_config_audit: 'false', ...env },
  });
}

function must(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = run(cmd, args, cwd, env);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.status} ${r.stderr}`);
  return r.stdout;
}

/** The README's fenced js block whose first line is `// NAME`. */
function readmeBlock(name: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith(`// ${name}`));
  if (!block) throw new Error(`README has no js block starting with // ${name}`);
  return block;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-npm-'));
  prefix = path.join(tmp, 'global');
  // The checkout's build as it is (dist/ is built by npm run build); --ignore-scripts: no rebuild here.
  must('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], ROOT);
  tgz = path.join(tmp, `whydied-${VERSION}.tgz`);
  must('npm', ['install', '-g', '--prefix', prefix, tgz], tmp);
});

afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('npm install -g: whydied and its man page on PATH', () => {
  const env = { PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` };
  expect(must('whydied', ['--version'], tmp, env).trim()).toBe(VERSION);
  // man-db finds the page from PATH (bin -> ../share/man), as for any prefix.
  const page = must('man', ['-w', 'whydied'], tmp, { ...env, MANPATH: '' }).trim();
  // npm links share/man/man1/whydied.1 to the package's page; man may name either.
  const link = path.join(prefix, 'share', 'man', 'man1', 'whydied.1');
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(fs.realpathSync(page)).toBe(fs.realpathSync(link));
  expect(must('man', ['-P', 'cat', 'whydied'], tmp, { ...env, MANPATH: '', MANWIDTH: '80' })).toContain(
    'whydied - why did my background process die',
  );
});

test("the README's plugin and script examples, as pasted, from a fresh folder", () => {
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  must('npm', ['init', '-y'], app);
  must('npm', ['install', tgz], app);
  fs.writeFileSync(path.join(app, 'acme.js'), readmeBlock('acme.js'));
  fs.writeFileSync(path.join(app, 'script.js'), readmeBlock('script.js'));
  const whydied = path.join(prefix, 'bin', 'whydied');
  const pid = String(startDetached('sleep', ['60']));
  const r = run(whydied, [pid, '--check', './acme.js', '--json'], app, { NO_COLOR: '1' });
  expect(r.stderr).toBe('');
  const rep = (JSON.parse(r.stdout) as { reports: Array<{ checks: Array<{ id: string; code: string }> }> }).reports[0];
  expect(rep.checks.find((c) => c.id === 'acme/keepalive')).toMatchObject({ code: 'plain' });
  const rules = run(whydied, ['checks', '--rules', '--check', './acme.js'], app);
  expect(rules.stdout).toContain('acme/keepalive.restarted');
  const s = run(process.execPath, ['script.js'], app);
  expect(s.stderr).toBe('');
  expect([0, 1, 3, 4]).toContain(s.status);
});
