/**
 * Bad input: exactly one line on stderr starting `whydied: `, exit 2, nothing on stdout, no stack.
 * Runs the built CLI (npm test builds first).
 */
import { reportsOf } from '../helpers/schema';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../helpers/processes';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-cli-'));
  fs.writeFileSync(path.join(dir, 'malformed.json'), '{"format": "whydied.bundle/1", ');
  fs.writeFileSync(path.join(dir, 'wrong-shape.json'), '{"hello": 1}');
  fs.writeFileSync(path.join(dir, 'broken-plugin.js'), 'module.exports = {{;');
  fs.writeFileSync(
    path.join(dir, 'bare-id.js'),
    "module.exports = { meta: { id: 'probe', title: 't', description: 'd' }, run() {} };",
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function expectUsageError(args: string[], pattern: RegExp): void {
  const r = runCli(args);
  expect({ args, status: r.status }).toEqual({ args, status: 2 });
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^whydied: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
}

describe('bad input exits 2 with one line', () => {
  it.each<[string[], RegExp]>([
    [['0'], /0 is not a process id/],
    [['99999999999'], /above pid_max/],
    [[':70000'], /invalid port/],
    [[':0'], /invalid port/],
    [['--format', 'xml', '1'], /unknown --format 'xml'/],
    [['--json', '--format', 'markdown', '1'], /json.*format|format.*json/],
    [['--only', 'nope', '1'], /unknown check id 'nope' in --only/],
    [['--skip', 'existence,nope', '1'], /unknown check id 'nope' in --skip/],
    [['--from', '/nonexistent/bundle.json', '1'], /cannot read bundle .*no such file/],
    [[], /a target is needed|missing target/],
    // `1` is taken as --bogus's value: the unknown option is named, not "Not enough non-option arguments".
    [['--bogus', '1'], /unknown option --bogus/],
    [['watch'], /watch needs at least one pid/],
    [['explain'], /explain needs a value/],
    [['explain', 'bogus'], /cannot explain 'bogus'/],
    [['scan', '--since', 'bogus'], /--since 'bogus'/],
    [['--kmsg', '/nonexistent/dmesg.txt', '1'], /cannot read the kernel log \/nonexistent\/dmesg.txt: ENOENT/],
    [['--from', 'x.json', '--kmsg', '-', '1'], /cannot be combined with --kmsg/],
    [['1', '2'], /unexpected argument 2/],
    [['--bogus=3', '1'], /unknown option --bogus/],
    [['capture', 'abc'], /capture takes a PID/],
    [['capture', '0'], /0 is not a process id/],
    [['checks', 'extra'], /unexpected argument extra/],
  ])('whydied %j', (args, pattern) => expectUsageError(args, pattern));

  it('a malformed or wrong-shaped bundle', () => {
    expectUsageError(['--from', path.join(dir, 'malformed.json'), '1'], /malformed\.json/);
    expectUsageError(['--from', path.join(dir, 'wrong-shape.json'), '1'], /wrong-shape\.json/);
  });

  it('a --check module that does not load names the path', () => {
    expectUsageError(
      ['--check', path.join(dir, 'broken-plugin.js'), '1'],
      /cannot load check module .*broken-plugin\.js/,
    );
    expectUsageError(['--check', path.join(dir, 'missing.js'), '1'], /cannot load check module .*missing\.js/);
    expectUsageError(['--check', path.join(dir, 'bare-id.js'), '1'], /bare-id\.js.*vendor\/name/);
    expectUsageError(['checks', '--check', path.join(dir, 'broken-plugin.js')], /broken-plugin\.js/);
  });

  it('--verbose may add a stack trace after the line', () => {
    const r = runCli(['--verbose', '--check', path.join(dir, 'broken-plugin.js'), '1']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^whydied: cannot load check module/);
    expect(r.stderr).toMatch(/^\s+at /m);
  });

  it('a name that matches nothing exits 4 with a clear message', () => {
    const r = runCli(['--json', 'no-such-process-xyzzy']);
    expect(r.status).toBe(4);
    const [rep] = reportsOf<{ state: string; verdict: { summary: string } }>(r.stdout);
    expect(rep.state).toBe('not-found');
    expect(rep.verdict.summary).toContain("no running process is named 'no-such-process-xyzzy'");
  });
});

describe('help', () => {
  it('lists the commands and exit codes, exit 0', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    for (const s of [
      'capture <pid>',
      'checks',
      'Exit codes',
      '70  internal error',
      '3   dead (or a zombie), cause established',
      '--no-color',
    ]) {
      expect(r.stdout).toContain(s);
    }
  });
});
