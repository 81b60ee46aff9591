/**
 * The outputs table (src/fleet/output-table.ts): --output is parsed by the entry owning each name, the
 * usage, the completion and a unit's writable paths come from the table, and a death goes through every
 * opened output in table order (the store sees clean exits too; the fleet outputs deaths only).
 * The records below are hand-written: this is the dispatch alone (test/fleet/record-outputs.test.ts runs
 * the real recorder with every output).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { OUTPUTS } from '../../src/fleet/output-table';
import { openSinks, outputDirs, OUTPUT_USAGE, parseOutputs } from '../../src/fleet/outputs';
import type { DeathRecord } from '../../src/source/records/types';
import { renderUnit } from '../../src/record/unit';

const rec = (pid: number, kind: string, exitCode: number | null, signal: string | null = null): DeathRecord =>
  ({
    v: 1,
    pid,
    startTime: 1,
    bootId: 'b',
    comm: 'prog',
    argvHead: ['prog'],
    ppid: 1,
    pgid: pid,
    sid: pid,
    tty: null,
    cgroup: null,
    cause: { kind, exitCode, signal, source: 'record', time: '2026-01-01T00:00:00.000Z' },
    seenAt: '2026-01-01T00:00:00.000Z',
  }) as unknown as DeathRecord;

test('each name is parsed by its entry; unknown names, stray values and prom outside record are usage errors', () => {
  const spec = parseOutputs('jsonl, store ,prom=/d,syslog=/s', { allowProm: true });
  expect(spec.outputs.map((o) => o.def.name)).toEqual(['store', 'jsonl', 'prom', 'journal']);
  expect(spec.outputs.find((o) => o.def.name === 'journal')?.config).toEqual({
    socket: '/run/systemd/journal/socket',
    syslog: '/s',
  });
  expect(spec.store).toBe(true);
  expect(spec.stdout).toBe(true);
  expect(outputDirs(spec)).toEqual(['/d']);
  expect(parseOutputs('journal').stdout).toBe(false);
  expect(() => parseOutputs('jsonl,nope')).toThrow(`unknown --output 'nope' (${OUTPUT_USAGE})`);
  expect(() => parseOutputs('store=x')).toThrow('--output store takes no value');
  expect(() => parseOutputs('prom=/d')).toThrow(/whydied record/);
  expect(() => parseOutputs('prom', { allowProm: true })).toThrow(/textfile collector directory/);
  expect(() => parseOutputs(' , ')).toThrow(/names no output/);
  for (const d of OUTPUTS) expect(OUTPUT_USAGE).toContain(d.usage);
});

test("the unit's writable paths are the outputs' directories", () => {
  const unit = renderUnit({ command: ['/usr/bin/whydied'], output: 'store,prom=/var/lib/x' });
  expect(unit).toMatch(/^ReadWritePaths=.*-\/var\/lib\/x/m);
  expect(renderUnit({ command: ['/usr/bin/whydied'], output: 'store' })).not.toMatch(/-\/var\/lib\/x/);
});

test('a death goes to every opened output in order: the store gets clean exits, the fleet outputs deaths only', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-outputs-'));
  try {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
    const stored: number[] = [];
    const sinks = await openSinks({
      output: `store,jsonl,prom=${dir}`,
      allowProm: true,
      jsonlStream: stream,
      defaultStore: (r) => stored.push(r.pid),
      promEveryMs: 60_000,
      redactArgv: false,
    });
    sinks.death(rec(10, 'exit', 0));
    sinks.death(rec(11, 'signal', null, 'SIGKILL'));
    sinks.health({ events: 2, lost: 0 });
    await sinks.close();
    expect(stored).toEqual([10, 11]);
    expect(lines.map((l) => (JSON.parse(l) as { pid: number }).pid)).toEqual([11]);
    const prom = fs.readFileSync(path.join(dir, 'whydied.prom'), 'utf8');
    expect(prom).toMatch(/signal="SIGKILL"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('file=PATH appends the published deaths to a private file, never through a link', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-outputs-'));
  try {
    const file = path.join(dir, 'deaths.jsonl');
    expect(outputDirs(parseOutputs(`file=${file}`))).toEqual([dir]);
    expect(() => parseOutputs('file')).toThrow(/file=/);
    for (const round of [1, 2]) {
      const sinks = await openSinks({ output: `file=${file}`, jsonlStream: new PassThrough(), redactArgv: false });
      sinks.death(rec(20 + round, 'signal', null, 'SIGTERM'));
      sinks.death(rec(30 + round, 'exit', 0));
      await sinks.close();
    }
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { schema: string; pid: number });
    expect(lines.map((l) => l.pid)).toEqual([21, 22]);
    expect(lines[0].schema).toBe('whydied.death/1');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const link = path.join(dir, 'link.jsonl');
    fs.symlinkSync(file, link);
    await expect(openSinks({ output: `file=${link}`, jsonlStream: new PassThrough() })).rejects.toThrow(
      /symbolic link/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
