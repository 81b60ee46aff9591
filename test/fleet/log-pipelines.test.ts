/**
 * deploy/logging: the collector configs that ship whydied.death/1.
 *  - rsyslog (journald forwarding): checked by rsyslog's own validator, `rsyslogd -N1` (Debian's rsyslog;
 *    .ci/run installs it), and a broken copy must fail it; the journal fields it forwards are the ones the
 *    journal output writes (src/fleet/journal.ts, read here from a real encoded entry).
 *  - Vector, Fluent Bit, Promtail: packaged neither by Debian nor npm. Parsed with a strict YAML parser
 *    (duplicate keys and syntax errors fail), their structure checked (Vector's component graph), and every
 *    field of the death they read must exist in schema/death.schema.json. Said so in README.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { encodeNative, MESSAGE_ID } from '../../src/fleet/journal';

const DIR = path.resolve(__dirname, '../../deploy/logging');
const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../schema/death.schema.json'), 'utf8')) as Schema;
interface Schema {
  properties?: Record<string, Schema>;
}

/** Does `a.b.c` name a property of whydied.death/1? */
function inSchema(dotted: string): boolean {
  let s: Schema | undefined = schema;
  for (const part of dotted.split('.')) s = s?.properties?.[part];
  return s !== undefined;
}

function yamlOf(file: string): Record<string, unknown> {
  const doc = parseDocument(fs.readFileSync(path.join(DIR, file), 'utf8'), {
    strict: true,
    uniqueKeys: true,
    prettyErrors: true,
  });
  expect(doc.errors).toEqual([]);
  expect(doc.warnings).toEqual([]);
  return doc.toJS() as Record<string, unknown>;
}

const rsyslogd = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => fs.existsSync(p)) ?? null;
if (!rsyslogd) console.log('skipping rsyslogd -N1: rsyslog is not installed (apt-get install rsyslog; .ci/run does)');

describe('rsyslog (journald forwarding)', () => {
  const conf = path.join(DIR, 'rsyslog-whydied.conf');
  const text = fs.readFileSync(conf, 'utf8');

  (rsyslogd ? it : it.skip)('passes rsyslogd -N1, and a broken copy does not', () => {
    const ok = spawnSync(rsyslogd as string, ['-N1', '-f', conf], {
      encoding: 'utf8',
      timeout: 30000,
      cwd: os.tmpdir(),
    });
    expect(ok.stderr + ok.stdout).toMatch(/End of config validation run/);
    expect(ok.status).toBe(0);
    const bad = path.join(os.tmpdir(), `whydied-rsyslog-bad-${process.pid}.conf`);
    try {
      fs.writeFileSync(bad, text.replace('queue.size=', 'queue.sise='));
      const r = spawnSync(rsyslogd as string, ['-N1', '-f', bad], {
        encoding: 'utf8',
        timeout: 30000,
        cwd: os.tmpdir(),
      });
      expect(r.status).not.toBe(0);
    } finally {
      fs.rmSync(bad, { force: true });
    }
  });

  it('selects by the journal output MESSAGE_ID and forwards only fields the journal output writes', () => {
    expect(text).toContain(`$!MESSAGE_ID == "${MESSAGE_ID}"`);
    // A real entry as the journal output encodes it, every optional field present.
    const { toDeathEvent } = require('../../src/fleet/death-event') as typeof import('../../src/fleet/death-event');
    const { journalFieldsOf } = require('../../src/fleet/journal') as typeof import('../../src/fleet/journal');
    const e = toDeathEvent(
      {
        v: 1,
        pid: 7,
        startTime: 9,
        bootId: 'b',
        comm: 'api',
        argvHead: ['api'],
        ppid: 1,
        pgid: 7,
        sid: 7,
        tty: null,
        cgroup: '/api.slice',
        cause: {
          kind: 'signal',
          signal: 'SIGTERM',
          exitCode: 143,
          sender: { pid: 3, comm: 'kubelet' },
          source: 'record',
          time: '2026-01-01T00:00:00.000Z',
          details: { mechanism: 'kill', groupDirected: false },
        },
        seenAt: '2026-01-01T00:00:00.000Z',
        container: { runtime: 'containerd', id: 'abc', pod: { uid: 'u', qos: null }, name: 'api' },
        nsPid: [7, 1],
      } as unknown as Parameters<typeof toDeathEvent>[0],
      { hostname: 'h', bootId: 'b' },
    );
    const written = new Set(journalFieldsOf(e).map(([k]) => k));
    expect(encodeNative(journalFieldsOf(e)).length).toBeGreaterThan(0);
    const used = [...text.matchAll(/\$!(WHYDIED_[A-Z_]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(5);
    for (const f of used) expect([f, written.has(f)]).toEqual([f, true]);
  });
});

describe('Vector', () => {
  const v = yamlOf('vector.yaml') as {
    sources: Record<string, { type: string }>;
    transforms: Record<string, { type: string; inputs: string[]; source?: string; condition?: string }>;
    sinks: Record<string, { type: string; inputs: string[]; labels?: Record<string, string> }>;
  };

  it('is a connected component graph ending in a sink', () => {
    const known = new Set([...Object.keys(v.sources), ...Object.keys(v.transforms)]);
    for (const [name, c] of [...Object.entries(v.transforms), ...Object.entries(v.sinks)]) {
      expect([name, c.inputs.length > 0]).toEqual([name, true]);
      for (const i of c.inputs) expect([name, i, known.has(i)]).toEqual([name, i, true]);
    }
    // Every source reaches a sink.
    const reaches = (n: string): boolean =>
      Object.values(v.sinks).some((s) => s.inputs.includes(n)) ||
      Object.entries(v.transforms).some(([t, c]) => c.inputs.includes(n) && reaches(t));
    for (const s of Object.keys(v.sources)) expect([s, reaches(s)]).toEqual([s, true]);
  });

  it('reads only fields of whydied.death/1', () => {
    const paths = [
      ...JSON.stringify(v.transforms).matchAll(/(?:death|\.)\.?((?:schema|host|cause|comm|time|pid)(?:\.[a-zA-Z]+)*)/g),
    ].map((m) => m[1]);
    const labels = Object.values(v.sinks).flatMap((s) => Object.values(s.labels ?? {}));
    for (const l of labels) for (const m of l.matchAll(/\{\{\s*([a-zA-Z.]+)\s*\}\}/g)) paths.push(m[1]);
    expect(paths).toEqual(expect.arrayContaining(['schema', 'host.hostname', 'cause.kind']));
    for (const p of paths) expect([p, inSchema(p)]).toEqual([p, true]);
  });
});

describe('Fluent Bit', () => {
  const f = yamlOf('fluent-bit.yaml') as {
    parsers: Array<{ name: string; format: string; time_key?: string }>;
    pipeline: {
      inputs: Array<Record<string, string>>;
      filters: Array<Record<string, string>>;
      outputs: Array<Record<string, string>>;
    };
  };

  it('tails the recorder container, parses its JSON with a declared parser, keeps deaths, outputs them', () => {
    expect(f.pipeline.inputs[0]).toMatchObject({ name: 'tail', 'multiline.parser': 'cri' });
    expect(f.pipeline.inputs[0].path).toContain('whydied-recorder');
    const declared = new Set(f.parsers.map((p) => p.name));
    for (const flt of f.pipeline.filters.filter((x) => x.name === 'parser'))
      expect(declared.has(flt.parser)).toBe(true);
    const grep = f.pipeline.filters.find((x) => x.name === 'grep') as Record<string, string>;
    expect(grep.regex).toBe('schema ^whydied\\.death/1$');
    expect(f.pipeline.outputs.length).toBeGreaterThan(0);
    // Every tag an input makes is matched by each filter and output.
    const tag = f.pipeline.inputs[0].tag.replace('*', '');
    for (const x of [...f.pipeline.filters, ...f.pipeline.outputs]) expect(x.match.replace('*', '')).toBe(tag);
  });

  it('reads only fields of whydied.death/1', () => {
    const paths = [f.parsers[0].time_key as string, 'schema'];
    for (const o of f.pipeline.outputs)
      for (const m of (o.labels ?? '').matchAll(/\$([a-z]+)\['([a-zA-Z]+)'\]/g)) paths.push(`${m[1]}.${m[2]}`);
    expect(paths).toEqual(expect.arrayContaining(['host.hostname', 'cause.kind', 'time']));
    for (const p of paths) expect([p, inSchema(p)]).toEqual([p, true]);
  });
});

describe('Promtail', () => {
  const p = yamlOf('promtail.yaml') as {
    clients: Array<{ url: string }>;
    scrape_configs: Array<{ job_name: string; pipeline_stages: Array<Record<string, unknown>> }>;
  };

  it('parses CRI lines, drops what is not a death, labels by host and cause, takes the death time', () => {
    expect(p.clients[0].url).toMatch(/\/loki\/api\/v1\/push$/);
    const stages = p.scrape_configs[0].pipeline_stages;
    const kinds = stages.map((s) => Object.keys(s)[0]);
    expect(kinds).toEqual(['cri', 'match', 'json', 'labels', 'timestamp']);
    const json = (stages[2].json as { expressions: Record<string, string> }).expressions;
    for (const [name, jp] of Object.entries(json)) expect([name, inSchema(jp)]).toEqual([name, true]);
    expect(Object.keys(stages[3].labels as object).sort()).toEqual(['cause', 'host']);
    for (const l of Object.keys(stages[3].labels as object)) expect(json[l]).toBeDefined();
    expect((stages[4].timestamp as { source: string }).source).toBe('time');
  });
});
