/**
 * The built CLI against real processes: diagnose by pid and by name, every format, plugins, and
 * capture -> --from replay giving the same verdict and survival matrix.
 */
import { builtinChecks } from '../../checks';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, runCli, startDetached, waitFor } from '../helpers/processes';
import { expectValidReports } from '../helpers/schema';

const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-cli-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A sleep whose argv[0] is `name` (exec -a), so a name query finds exactly what the test started. */
async function startNamed(name: string): Promise<number> {
  const pid = startDetached('bash', ['-c', `exec -a "$0" sleep 300`, name]);
  await waitFor(() => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(name);
    } catch {
      return false;
    }
  });
  return pid;
}

type Rep = {
  state: string;
  target: { pid: number | null };
  process: { pid: number; comm: string; argv: string[] } | null;
  verdict: { status: string };
  risks: unknown[];
  checks: Array<{ id: string; status: string; code: string; summary: string }>;
};

describe('whydied on a real process', () => {
  it('by pid: table by default, --json schema-valid, --format markdown; exit code from the verdict', async () => {
    const pid = startDetached('sleep', ['300']);
    const table = runCli([String(pid)]);
    expect([0, 1]).toContain(table.status);
    expect(table.stderr).toBe('');
    // Answer first: the verdict word and the process on line 1, the survival matrix after.
    expect(table.stdout.split('\n')[0]).toMatch(new RegExp(`^(OK|AT RISK) +Process ${pid} \\(sleep\\) is alive`));
    expect(table.stdout).toContain('Survival');
    expect(runCli(['--verbose', String(pid)]).stdout).toMatch(new RegExp(`Target +${pid}`));
    expect(table.stdout).not.toContain('\u001b'); // not a TTY: no colour

    const json = runCli(['--json', String(pid)]);
    expect(json.status).toBe(table.status);
    const [rep] = expectValidReports(json.stdout) as unknown as Rep[];
    expect(rep.state).toBe('alive');
    expect(rep.process?.pid).toBe(pid);
    expect(rep.process?.comm).toBe('sleep');
    expect(rep.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['existence', 'parent-chain', 'signals', 'tty', 'stdio']),
    );
    expect(rep.risks.length).toBeGreaterThan(0);
    expect(json.status).toBe(rep.verdict.status === 'ok' ? 0 : 1);

    const md = runCli(['--format', 'markdown', String(pid)]);
    expect(md.status).toBe(table.status);
    expect(md.stdout).toContain(`## whydied: ${pid}`);
    expect(md.stdout).toContain('| Event | Outcome | Reason |');
  });

  it('by name: every live match, newest first, as a JSON array', async () => {
    const older = await startNamed('whydied-test-worker');
    const newer = await startNamed('whydied-test-worker');
    const r = runCli(['--json', 'whydied-test-worker']);
    const reps = expectValidReports(r.stdout) as unknown as Rep[];
    expect(reps.map((x) => x.target.pid)).toEqual([newer, older]);
    // One shape whatever the number of matches: an envelope, never a bare report or array.
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(['schema', 'reports']);
  });

  it('hostile argv[0] is escaped in table and markdown, intact in JSON', async () => {
    const name = 'evil\u001b[31m\nname';
    const pid = await startNamed(name);
    // Markdown also backslash-escapes its own syntax (`[` -> `\[`).
    // The table shows argv under --verbose (the answer-first lines name the process by comm).
    for (const [format, shown] of [
      ['table', 'evil\\x1b[31m\\nname'],
      ['markdown', 'evil\\\\x1b\\[31m\\\\nname'],
    ]) {
      const out = runCli(['--format', format, '--verbose', String(pid)]).stdout;
      expect(out).not.toMatch(RAW_CONTROL);
      expect(out).toContain(shown);
    }
    const [rep] = expectValidReports(runCli(['--json', String(pid)]).stdout) as unknown as Rep[];
    expect(rep.process?.argv[0]).toBe(name);
  });

  it('--only and --skip select checks (dependents of unselected checks are skipped with the reason)', async () => {
    const pid = startDetached('sleep', ['300']);
    const [only] = expectValidReports(
      runCli(['--json', '--only', 'existence,signals', String(pid)]).stdout,
    ) as unknown as Rep[];
    expect(only.checks.map((c) => c.id)).toEqual(['existence', 'signals']);
    const [skipped] = expectValidReports(
      runCli(['--json', '--skip', 'existence', String(pid)]).stdout,
    ) as unknown as Rep[];
    expect(skipped.checks.find((c) => c.id === 'existence')).toBeUndefined();
    // Every check that needs existence is skipped for that reason (journal may also skip for its own: no journald).
    const needers = skipped.checks.filter((x) => x.code === 'requirement-not-met');
    expect(needers.map((c) => c.id)).toEqual(expect.arrayContaining(['parent-chain', 'signals', 'memory']));
    for (const c of needers) expect(c.summary).toContain("'existence'");
  });

  it('a pid that does not exist still gets a report (dead/not-found, exit 4 without a cause)', () => {
    // A pid far above anything in use on a test machine but below pid_max.
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const pid = pidMax - 1;
    const r = runCli(['--json', String(pid)]);
    const [rep] = expectValidReports(r.stdout) as unknown as Rep[];
    expect(['dead', 'not-found']).toContain(rep.state);
    expect(rep.process).toBeNull();
    expect(r.status).toBe(4);
  });

  it('plugins: CommonJS and ESM modules load; a throwing plugin is an error finding and the rest still run', async () => {
    const cjs = path.join(dir, 'acme.js');
    fs.writeFileSync(
      cjs,
      `module.exports = { checks: [
        { meta: { id: 'acme/pid', title: 'Acme pid', description: 'echoes the pid' }, run: (ctx) => ({ status: 'info', code: 'pid', summary: 'pid ' + ctx.target.pid }) },
        { meta: { id: 'acme/boom', title: 'Acme boom', description: 'throws' }, run: () => { throw new Error('kaboom'); } },
      ] };`,
    );
    const esm = path.join(dir, 'esm-check.mjs');
    fs.writeFileSync(
      esm,
      `export default { meta: { id: 'esm/hello', title: 'Hello', description: 'esm plugin' }, run: () => ({ status: 'pass', code: 'hi', summary: 'hello' }) };`,
    );
    const pid = startDetached('sleep', ['300']);
    const r = runCli(['--json', '--check', cjs, '--check', esm, String(pid)]);
    expect(r.stderr).toBe('');
    const [rep] = expectValidReports(r.stdout) as unknown as Rep[];
    const byId = new Map(rep.checks.map((c) => [c.id, c]));
    expect(byId.get('acme/pid')).toMatchObject({ status: 'info', summary: `pid ${pid}` });
    expect(byId.get('acme/boom')).toMatchObject({ status: 'error', summary: 'check crashed: kaboom' });
    expect(byId.get('esm/hello')).toMatchObject({ status: 'pass' });
    expect(byId.get('existence')?.status).toBe('pass');

    const list = runCli(['checks', '--check', cjs]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/acme\/pid\s+Acme pid/);
  });
});

describe('whydied checks', () => {
  it('lists the built-in checks in run order with titles and descriptions', () => {
    const r = runCli(['checks']);
    expect(r.status).toBe(0);
    const ids = r.stdout
      .split('\n')
      .map((l) => /^\s*\d+\s+(\S+)/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined);
    // The checks table (checks/index.ts) in its order: a new check is listed without touching this test.
    expect(ids).toEqual(builtinChecks.map((c) => c.meta.id));
    expect(ids.length).toBeGreaterThan(10);
    const json = JSON.parse(runCli(['checks', '--json']).stdout) as Array<{
      order: number;
      id: string;
      description: string;
    }>;
    expect(json.map((c) => c.id)).toEqual(ids);
    for (const c of json) expect(c.description.length).toBeGreaterThan(0);
  });
});

describe('capture and replay', () => {
  it('capture -o file, then --from file gives the same verdict and survival matrix as live', async () => {
    const pid = startDetached('sleep', ['300']);
    const file = path.join(dir, 'bundle.json');
    const cap = runCli(['capture', String(pid), '-o', file]);
    expect(cap.status).toBe(0);
    expect(cap.stdout).toBe('');
    expect(cap.stderr.trim().split('\n')).toHaveLength(1);
    expect(cap.stderr).toContain(file);
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as { format: string };
    expect(bundle.format).toBe('whydied.bundle/1');

    const live = runCli(['--json', String(pid)]);
    const replay = runCli(['--json', '--from', file, String(pid)]);
    const [l] = expectValidReports(live.stdout) as unknown as Rep[];
    const [b] = expectValidReports(replay.stdout) as unknown as Rep[];
    expect(replay.status).toBe(live.status);
    expect(b.state).toBe(l.state);
    expect(b.verdict.status).toEqual(l.verdict.status);
    // Reasons may quote machine-wide figures that moved between the two runs (the OOM rank among
    // all processes), so the matrix is compared by event and outcome.
    const matrix = (r: Rep): unknown =>
      (r.risks as Array<{ event: string; outcome: string }>).map((k) => [k.event, k.outcome]);
    expect(matrix(b)).toEqual(matrix(l));
    expect(b.checks.map((c) => [c.id, c.status])).toEqual(l.checks.map((c) => [c.id, c.status]));

    // Even after the process is gone, the bundle replays the same diagnosis.
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'));
    // ...exactly: a bundle is a fixed view.
    const later = runCli(['--json', '--from', file, String(pid)]);
    const [again] = expectValidReports(later.stdout) as unknown as Rep[];
    expect(again.verdict).toEqual(b.verdict);
    expect(again.risks).toEqual(b.risks);
  });

  it('capture without -o writes the bundle to stdout and one line to stderr', () => {
    const pid = startDetached('sleep', ['300']);
    const cap = runCli(['capture', String(pid)]);
    expect(cap.status).toBe(0);
    expect((JSON.parse(cap.stdout) as { target: { pid: number } }).target.pid).toBe(pid);
    expect(cap.stderr).toMatch(/^whydied: captured pid \d+ \(alive\); bundle written to stdout\n$/);
  });
});
