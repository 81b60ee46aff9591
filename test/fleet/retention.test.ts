/**
 * Retention and privacy. The policy itself (src/record/retention.ts) against a clock; then a real recorder
 * (`record --output store,jsonl --clean-exits none --redact-argv`) with real processes: a clean exit of ours
 * is left out of the store, a failed exit and a kill are kept, and every output (store, JSON lines, the
 * hook's stdin) carries argv[0] only.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseCleanExits, Retention } from '../../src/record/retention';
import { redactArgv, redactArgvDefault } from '../../src/fleet/privacy';
import type { DeathRecord } from '../../src/source/records/types';
import { cleanupProcesses, isRoot, track, waitFor } from '../helpers/processes';

const CLI = path.resolve(__dirname, '../../dist/whydied.js');
const T = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-retention-'));
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(T, { recursive: true, force: true });
});

const rec = (kind: string, exitCode: number | null, argv = ['prog', '--password', 'x']): DeathRecord =>
  ({
    v: 1,
    pid: 5,
    startTime: 1,
    bootId: 'b',
    comm: 'prog',
    argvHead: argv,
    ppid: 1,
    pgid: 5,
    sid: 5,
    tty: null,
    cgroup: null,
    cause: { kind, exitCode, source: 'record', time: '2026-01-01T00:00:00.000Z' },
    seenAt: '2026-01-01T00:00:00.000Z',
  }) as unknown as DeathRecord;

describe('retention policy', () => {
  it('parses all, none and N/s; anything else is a usage error', () => {
    expect(parseCleanExits('all')).toEqual({ mode: 'all' });
    expect(parseCleanExits('none')).toEqual({ mode: 'none' });
    expect(parseCleanExits('2.5/s')).toEqual({ mode: 'rate', perSecond: 2.5 });
    for (const bad of ['', '0/s', '5/min', 'some', '-1/s', '5'])
      expect(() => parseCleanExits(bad)).toThrow(/--clean-exits .*give all, none, or a rate/);
  });

  it('N/s keeps at most N clean exits a second (one second of burst), deaths always', () => {
    const r = new Retention({ cleanExits: { mode: 'rate', perSecond: 5 } });
    let kept = 0;
    // 100 clean exits/s for 10 s: the first second's bucket, then 5 a second.
    for (let i = 0; i < 1000; i++) if (r.keep(rec('exit', 0), 1_000_000 + i * 10)) kept++;
    expect(kept).toBeGreaterThanOrEqual(50);
    expect(kept).toBeLessThanOrEqual(56);
    expect(r.skipped).toBe(1000 - kept);
    for (let i = 0; i < 100; i++) expect(r.keep(rec('exit', 1), 1_010_000 + i)).not.toBeNull();
    expect(r.keep(rec('signal', null), 1_010_000)).not.toBeNull();
    const none = new Retention({ cleanExits: { mode: 'none' } });
    expect(none.keep(rec('exit', 0), 0)).toBeNull();
    expect(new Retention().keep(rec('exit', 0), 0)).not.toBeNull();
  });

  it('redaction keeps argv[0] only, on a copy', () => {
    const r = rec('exit', 1);
    expect(redactArgv(r).argvHead).toEqual(['prog']);
    expect(r.argvHead).toEqual(['prog', '--password', 'x']);
    expect(new Retention({ redactArgv: true }).keep(r, 0)?.argvHead).toEqual(['prog']);
    expect(redactArgvDefault({ WHYDIED_REDACT_ARGV: '1' })).toBe(true);
    expect(redactArgvDefault({ WHYDIED_REDACT_ARGV: '0' })).toBe(false);
    expect(redactArgvDefault({})).toBe(false);
  });
});

const maybe = isRoot() ? describe : describe.skip;
if (!isRoot()) console.log('skipping the recorder retention test: needs root (tracefs)');

maybe('a real recorder with --clean-exits none --redact-argv', () => {
  let recorder: ChildProcess;
  const state = path.join(T, 'state');
  const hookOut = path.join(T, 'hook.jsonl');
  let out = '';

  beforeAll(async () => {
    fs.mkdirSync(state, { mode: 0o700 });
    let log = '';
    recorder = spawn(
      process.execPath,
      [
        CLI,
        'record',
        '--state-dir',
        state,
        '--output',
        'store,jsonl',
        '--clean-exits',
        'none',
        '--redact-argv',
        '--on-death',
        `cat >> ${hookOut}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    track(recorder.pid as number);
    recorder.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    recorder.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    expect(await waitFor(() => /recording: instance/.test(log), 30000, 100)).toBe(true);
  }, 40000);

  afterAll(async () => {
    if (recorder.exitCode === null) {
      recorder.kill('SIGTERM');
      await new Promise((r) => recorder.once('exit', r));
    }
  });

  it('a clean exit is left out, a failed exit and a kill are kept, argv[0] only everywhere', async () => {
    const clean = spawnSync('/bin/sh', ['-c', 'exit 0', 'sh', 'clean-secret']).pid as number;
    const failed = spawnSync('/bin/sh', ['-c', 'exit 4', 'sh', 'failed-secret']).pid as number;
    const victim = spawn('/bin/sleep', ['300', '1'], { stdio: 'ignore' });
    track(victim.pid as number);
    await waitFor(() => fs.readFileSync(`/proc/${victim.pid}/cmdline`, 'utf8').includes('300'), 5000);
    victim.kill('SIGTERM');
    const store = (): Array<{ pid: number; argvHead: string[]; cause: { kind: string } }> =>
      fs.existsSync(path.join(state, 'records.jsonl'))
        ? fs
            .readFileSync(path.join(state, 'records.jsonl'), 'utf8')
            .split('\n')
            .flatMap((l) => {
              try {
                return [JSON.parse(l)];
              } catch {
                return [];
              }
            })
        : [];
    const hook = (): string => (fs.existsSync(hookOut) ? fs.readFileSync(hookOut, 'utf8') : '');
    expect(
      await waitFor(
        () =>
          store().some((r) => r.pid === victim.pid) &&
          store().some((r) => r.pid === failed) &&
          out.includes(`"pid":${victim.pid},`) &&
          hook().includes(`"pid":${victim.pid},`),
        15000,
        100,
      ),
    ).toBe(true);
    // Flushed after the clean one (the same 200 ms batches): it would be there by now.
    expect(store().some((r) => r.pid === clean)).toBe(false);
    const v = store().find((r) => r.pid === victim.pid)!;
    expect(v.cause.kind).toBe('signal');
    expect(v.argvHead).toEqual(['/bin/sleep']);
    const all = fs.readFileSync(path.join(state, 'records.jsonl'), 'utf8') + out + hook();
    expect(all).not.toMatch(/secret/);
    expect(all).not.toMatch(/"300"/);
    const line = out.split('\n').find((l) => l.includes(`"pid":${victim.pid},`)) as string;
    expect((JSON.parse(line) as { argvHead: string[] }).argvHead).toEqual(['/bin/sleep']);
  }, 30000);
});
