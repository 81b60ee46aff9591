/**
 * The fast path (src/cli/fast.ts) against yargs: the bin answers the common command lines without
 * yargs, so each answer is compared with the tsc output (dist/src/cli/main.js), which has no build-time
 * meta and always goes through yargs. Also: what the fast path must leave to yargs, the loader's import()
 * for plugins, the code cache, and the newest-N limit on dead targets by name.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseFast } from '../../src/cli/fast';
import { cleanupProcesses, runCli, startDetached } from '../helpers/processes';

const ROOT = path.join(__dirname, '..', '..');
const YARGS_CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const BIN = path.join(ROOT, 'dist', 'whydied.js');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fast-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(dir, { recursive: true, force: true });
});

function viaYargs(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [YARGS_CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 30000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Rep = {
  state: string;
  verdict: { status: string };
  risks: Array<{ event: string; outcome: string }>;
  checks: Array<{ id: string; status: string; code: string; summary: string }>;
};
/**
 * What must not differ between two diagnoses of an unchanged process moments apart. Not the sentences:
 * some count other processes (the OOM rank), and the machine's other processes come and go.
 */
const stable = (text: string): unknown =>
  (JSON.parse(text) as Rep[]).map((r) => ({
    state: r.state,
    verdict: r.verdict.status,
    risks: r.risks.map((k) => [k.event, k.outcome]),
    checks: r.checks.map((c) => [c.id, c.status, c.code]),
  }));
/** The reports of a --json output (the `whydied.report/2` envelope holds them in `reports`). */
const asList = (text: string): string => {
  const v = JSON.parse(text) as { reports?: unknown[] } | unknown[];
  return JSON.stringify(Array.isArray(v) ? v : (v.reports ?? [v]));
};

describe('parseFast', () => {
  const commands = ['diagnose', 'capture', 'checks', 'watch', 'record', 'launch', 'scan'];
  it('takes the common command lines', () => {
    expect(parseFast(['--help'], commands)).toEqual({ kind: 'help' });
    expect(parseFast(['-h'], commands)).toEqual({ kind: 'help' });
    expect(parseFast(['--version'], commands)).toEqual({ kind: 'version' });
    expect(parseFast(['1234'], commands)).toEqual({ kind: 'diagnose', req: { target: '1234', verbose: false } });
    expect(parseFast(['--json', 'nginx', '--verbose', '--no-color', '--all'], commands)).toEqual({
      kind: 'diagnose',
      req: { target: 'nginx', json: true, verbose: true, color: false, all: true },
    });
    expect(parseFast([':8080', '--format', 'markdown'], commands)).toEqual({
      kind: 'diagnose',
      req: { target: ':8080', format: 'markdown', verbose: false },
    });
    expect(parseFast(['1', '--format=json'], commands)).toEqual({
      kind: 'diagnose',
      req: { target: '1', format: 'json', verbose: false },
    });
  });

  it('leaves everything else to yargs: commands (new ones too), repeats, conflicts, other options, odd targets', () => {
    for (const args of [
      [],
      ['capture', '1'],
      ['scan'],
      ['diagnose', '1'],
      ['1', '2'],
      ['1', '--json', '--json'],
      ['1', '--color', '--no-color'],
      ['1', '--json', '--format', 'json'],
      ['1', '--format'],
      ['1', '--format', '--json'],
      ['1', '--only', 'tty'],
      ['1', '--check', 'x.js'],
      ['1', '--from', 'b.json'],
      ['1', '--help'],
      ['--version', '1'],
      ['-bash'],
      ['--', '1'],
      ['1', '--jsn'],
      [''],
    ]) {
      expect([args, parseFast(args, commands)]).toEqual([args, null]);
    }
  });
});

describe('the bin answers as yargs does', () => {
  it('--help, -h and --version print the same text and exit 0', () => {
    for (const args of [['--help'], ['-h'], ['--version']]) {
      const fast = runCli(args);
      const slow = viaYargs(args);
      expect(fast.status).toBe(0);
      expect(slow.status).toBe(0);
      expect(fast.stdout).toBe(slow.stdout);
      expect(fast.stdout.length).toBeGreaterThan(0);
    }
    expect(runCli(['--help']).stdout).toContain('--all');
  });

  it('a diagnosis by pid, in each format, and usage errors match', () => {
    const pid = String(startDetached('sleep', ['300']));
    const fast = runCli([pid, '--json']);
    const slow = viaYargs([pid, '--json']);
    expect(fast.status).toBe(slow.status);
    expect(fast.stderr).toBe('');
    expect(stable(asList(fast.stdout))).toEqual(stable(asList(slow.stdout)));
    for (const format of [['--format', 'markdown'], ['--format=table'], []]) {
      const f = runCli([pid, ...format]);
      expect(f.status).toBe(slow.status);
      expect(f.stdout.split('\n').length).toBe(viaYargs([pid, ...format]).stdout.split('\n').length);
    }
    for (const bad of [['0'], ['1', '--format', 'yaml'], [':99999']]) {
      const f = runCli(bad);
      const s = viaYargs(bad);
      expect([bad, f.status, f.stderr]).toEqual([bad, s.status, s.stderr]);
      expect(f.status).toBe(2);
    }
  });

  it('a plugin only import() can load (an ES module with top-level await) loads from the bundle', () => {
    const pid = String(startDetached('sleep', ['300']));
    const plugin = path.join(dir, 'tla-check.mjs');
    fs.writeFileSync(
      plugin,
      `await Promise.resolve();\nexport default { meta: { id: 'acme/tla', title: 'TLA', description: 'd', codes: { ran: 'ran' } }, run: (ctx) => ({ status: 'info', code: 'ran', summary: 'tla saw ' + ctx.target.pid }) };\n`,
    );
    const r = runCli([pid, '--json', '--check', plugin]);
    expect(r.stderr).toBe('');
    const [rep] = JSON.parse(asList(r.stdout)) as Rep[];
    expect(rep.checks.find((c) => c.id === 'acme/tla')?.summary).toBe(`tla saw ${pid}`);
  });
});

describe('the code cache', () => {
  it('the build wrote one that V8 accepts for the bundle', () => {
    // Compiled the way the loader compiles it; a rejected cache would cost every run ~30 ms silently.
    const probe =
      `const vm=require('vm'),fs=require('fs'),M=require('module');const f=${JSON.stringify(path.join(ROOT, 'dist', 'whydied.bundle.js'))};` +
      `const s=new vm.Script(M.wrap(fs.readFileSync(f,'utf8')),{filename:f,cachedData:fs.readFileSync(f.replace(/\\.js$/,'.cache'))});process.stdout.write(String(s.cachedDataRejected))`;
    const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    expect(r.stdout).toBe('false');
  });
});

describe('by name: the newest 10 dead targets unless --all', () => {
  it('diagnoses the newest 10 recorded deaths, says how many it left out, and --all diagnoses every one', () => {
    // Records written by the real store writer, for pids this boot (their processes are long gone or never
    // were: the cause is not what this test is about, the count is).
    const state = path.join(dir, 'state-many');
    const { saveRecords } = require(
      path.join(ROOT, 'dist', 'src', 'source', 'records', 'store.js'),
    ) as typeof import('../../src/source/records/store');
    const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const name = `wdtest-many-${process.pid}`;
    const recs = Array.from({ length: 12 }, (_, i) => {
      const seenAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      return {
        v: 1 as const,
        pid: 4000000 + i,
        startTime: 100 + i,
        bootId,
        comm: name,
        argvHead: [name],
        ppid: 1,
        pgid: 1,
        sid: 1,
        tty: null,
        cgroup: null,
        cause: { kind: 'exit' as const, exitCode: i, time: seenAt, source: 'record' as const },
        seenAt,
      };
    });
    saveRecords(recs, { dir: state });
    const env = { WHYDIED_STATE_DIR: state };
    const some = runCli([name, '--json'], { env });
    const reps = JSON.parse(asList(some.stdout)) as Array<{ target: { pid: number } }>;
    expect(reps.map((r) => r.target.pid)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2].map((i) => 4000000 + i));
    expect(some.stderr).toBe(`whydied: 2 older recorded deaths of '${name}' not shown (--all shows every one)\n`);
    const all = runCli([name, '--json', '--all'], { env });
    expect(JSON.parse(asList(all.stdout))).toHaveLength(12);
    expect(all.stderr).toBe('');
    // The yargs path has the same option.
    expect(JSON.parse(asList(viaYargs([name, '--json', '--all'], env).stdout))).toHaveLength(12);
  });
});
