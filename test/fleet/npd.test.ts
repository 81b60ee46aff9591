/**
 * deploy/npd: the node-problem-detector custom plugin. The config follows NPD's own validation
 * (kubernetes/node-problem-detector pkg/custompluginmonitor/types/config.go: plugin "custom", Go durations,
 * a rule's timeout within the global one, every permanent rule's condition among the default conditions),
 * and the check honours the plugin contract (plugin/plugin.go Plugin.run: exit 0 OK, 1 NonOK, other
 * Unknown; trimmed stdout is the message, cut at max_output_length) against a real recorder's store:
 * a real segfault and a real OOM kill (a memory cgroup with a small limit) become NonOK, the recorder's
 * own state OK while it runs and NonOK once stopped.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isRoot, track, waitFor } from '../helpers/processes';
import { cProgram, removePrograms } from './c-programs';
import { createMemcg, memcgAvailable, type Memcg } from '../reality/harness/memcg';

const DIR = path.resolve(__dirname, '../../deploy/npd');
const CHECK = path.join(DIR, 'whydied-npd-check.js');
const CLI = path.resolve(__dirname, '../../dist/whydied.js');
const T = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-npd-'));

interface Rule {
  type: string;
  condition?: string;
  reason: string;
  path: string;
  args: string[];
  timeout?: string;
}
const config = JSON.parse(fs.readFileSync(path.join(DIR, 'whydied-plugin-monitor.json'), 'utf8')) as {
  plugin: string;
  pluginConfig: { invoke_interval: string; timeout: string; max_output_length: number; concurrency: number };
  source: string;
  conditions: Array<{ type: string; reason: string; message: string }>;
  rules: Rule[];
};

/** Go's time.ParseDuration, for the units NPD configs use. */
function goDurationMs(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s);
  if (!m) throw new Error(`not a Go duration: ${s}`);
  return +m[1] * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** Run the check as NPD does: its path with the rule's args; the status and the message NPD would keep. */
function runCheck(args: string[]): { status: number | null; message: string; stdout: string } {
  const r = spawnSync(CHECK, args, { encoding: 'utf8', timeout: goDurationMs(config.pluginConfig.timeout) });
  return {
    status: r.status,
    stdout: r.stdout,
    message: r.stdout.trim().slice(0, config.pluginConfig.max_output_length),
  };
}

afterAll(() => {
  cleanupProcesses();
  removePrograms();
  fs.rmSync(T, { recursive: true, force: true });
});

describe('NPD plugin config', () => {
  it('passes NPD config validation', () => {
    expect(config.plugin).toBe('custom');
    expect(config.source).toMatch(/\S/);
    const global = goDurationMs(config.pluginConfig.timeout);
    expect(goDurationMs(config.pluginConfig.invoke_interval)).toBeGreaterThanOrEqual(global);
    const conditions = new Set(config.conditions.map((c) => c.type));
    for (const r of config.rules) {
      expect(['temporary', 'permanent']).toContain(r.type);
      if (r.timeout) expect(goDurationMs(r.timeout)).toBeLessThanOrEqual(global);
      if (r.type === 'permanent') expect(conditions.has(r.condition as string)).toBe(true);
      expect(r.reason).toMatch(/^[A-Z][A-Za-z]+$/);
      // The path is where the image installs the check (deploy/image/build.sh).
      expect(r.path).toBe('/opt/whydied/npd/whydied-npd-check.js');
    }
    expect(fs.readFileSync(path.resolve(DIR, '../image/build.sh'), 'utf8')).toContain('$app/npd/whydied-npd-check.js');
  });

  it("every rule's args are accepted by the check (an empty state dir: a status, never a usage line)", () => {
    const empty = path.join(T, 'empty');
    fs.mkdirSync(empty);
    for (const r of config.rules) {
      const res = runCheck([...r.args, '--state-dir', empty]);
      expect([r.reason, res.message]).not.toEqual([r.reason, expect.stringMatching(/usage|bad option/)]);
      expect([0, 1, 2]).toContain(res.status);
      expect(res.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    }
    // No store yet: NPD is told it cannot know (Unknown), not that all is well.
    expect(runCheck(['oom', '--state-dir', empty]).status).toBe(2);
    expect(runCheck(['recorder', '--state-dir', empty])).toMatchObject({
      status: 1,
      message: expect.stringMatching(/not running/),
    });
  });

  it('bad arguments: Unknown (2) with one line', () => {
    for (const args of [['nope'], ['oom', '--window'], ['oom', '--window', 'x'], ['crash', '--frobnicate', '1']]) {
      const r = runCheck(args);
      expect([args.join(' '), r.status]).toEqual([args.join(' '), 2]);
      expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });
});

const crasher = cProgram('crasher');
const hog = cProgram('hog');
const memcgWhy = memcgAvailable();
const realOk = isRoot() && crasher !== null && hog !== null;
if (!realOk) console.log(`skipping the NPD check against a real recorder: needs root and cc (root=${isRoot()})`);
if (realOk && memcgWhy) console.log(`the NPD OOM case is skipped: ${memcgWhy}`);
const maybe = realOk ? describe : describe.skip;

maybe('NPD check against a real recorder', () => {
  const state = path.join(T, 'state');
  let recorder: ChildProcess;
  let memcg: Memcg | null = null;

  beforeAll(async () => {
    fs.mkdirSync(state, { mode: 0o700 });
    const log = path.join(T, 'record.log');
    recorder = spawn(process.execPath, [CLI, 'record', '--state-dir', state], {
      stdio: ['ignore', 'ignore', fs.openSync(log, 'w')],
    });
    track(recorder.pid as number);
    expect(await waitFor(() => /recording: instance/.test(fs.readFileSync(log, 'utf8')), 30000, 100)).toBe(true);
  }, 40000);

  afterAll(async () => {
    if (recorder.exitCode === null) {
      recorder.kill('SIGTERM');
      await new Promise((r) => recorder.once('exit', r));
    }
    await memcg?.remove();
  });

  const stored = (pred: (r: { pid: number; cause: { kind: string } }) => boolean): boolean =>
    fs.existsSync(path.join(state, 'records.jsonl')) &&
    fs
      .readFileSync(path.join(state, 'records.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .some((l) => pred(JSON.parse(l) as { pid: number; cause: { kind: string } }));

  it('the recorder: OK while it records', () => {
    expect(runCheck(['recorder', '--state-dir', state, '--max-age', '30'])).toMatchObject({
      status: 0,
      message: expect.stringMatching(/^whydied recorder is recording: \d+ exits, \d+ events lost$/),
    });
  });

  it('a real segfault: crash NonOK naming the process', async () => {
    const child = spawnSync(crasher as string, [], { timeout: 10000 });
    expect(child.signal).toBe('SIGSEGV');
    expect(await waitFor(() => stored((r) => r.pid === child.pid), 10000, 100)).toBe(true);
    const r = runCheck(['crash', '--window', '60', '--state-dir', state]);
    expect(r).toMatchObject({
      status: 1,
      message: expect.stringMatching(/^(1 crash|\d+ crashes) in the last 60 s: .*crasher \(pid \d+/),
    });
    expect(r.stdout.trim().length).toBeLessThanOrEqual(config.pluginConfig.max_output_length);
  });

  (memcgWhy ? it.skip : it)(
    'a real OOM kill in a memory cgroup: oom NonOK',
    async () => {
      memcg = createMemcg(32 * 1024 * 1024);
      const cg = memcg.path;
      // Into the cgroup before it allocates: a shell moves itself, then becomes the hog.
      const h = spawn('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec "$0" 256`, hog as string], {
        stdio: 'ignore',
      });
      track(h.pid as number);
      const died = await new Promise<NodeJS.Signals | null>((r) => h.once('exit', (_c, s) => r(s)));
      expect(died).toBe('SIGKILL');
      expect(await waitFor(() => stored((r) => r.pid === h.pid && r.cause.kind === 'oom-kill'), 10000, 100)).toBe(true);
      expect(runCheck(['oom', '--window', '60', '--state-dir', state])).toMatchObject({
        status: 1,
        message: expect.stringMatching(/^(1 OOM kill|\d+ OOM kills) in the last 60 s: .*whydied-hog \(pid \d+/),
      });
    },
    30000,
  );

  it('the recorder stopped: NonOK once its status is older than --max-age', async () => {
    recorder.kill('SIGTERM');
    await new Promise((r) => recorder.once('exit', r));
    await new Promise((r) => setTimeout(r, 2100)); // the status's age is what is checked: it must pass 1 s
    expect(runCheck(['recorder', '--state-dir', state, '--max-age', '1'])).toMatchObject({
      status: 1,
      message: expect.stringMatching(/^whydied recorder is not recording: its status is \d+ s old$/),
    });
  });
});
