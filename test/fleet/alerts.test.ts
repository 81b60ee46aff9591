/**
 * deploy/prometheus: the alert rules pass `promtool check rules` and their unit tests (`promtool test
 * rules`, promtool from Debian's prometheus package), and every whydied_* metric and label the rules and
 * their test series use is one the textfile output really writes: the names are taken from
 * DeathCounters.render (src/fleet/prom.ts) fed real-shaped deaths, not from a list kept by hand.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { DeathCounters } from '../../src/fleet/prom';
import { toDeathEvent } from '../../src/fleet/death-event';
import type { DeathRecord } from '../../src/source/records/types';
import { parseExposition } from '../helpers/prom-parse';

const DIR = path.resolve(__dirname, '../../deploy/prometheus');
const RULES = path.join(DIR, 'whydied-alerts.yml');
const TESTS = path.join(DIR, 'whydied-alerts.test.yml');
const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p)) ?? null;
if (!promtool)
  console.log('skipping the promtool runs: promtool is not installed (apt-get install prometheus; .ci/run does)');
const withPromtool = promtool ? it : it.skip;

function death(
  kind: string,
  signal: string | null,
  comm: string,
  cgroup: string | null,
  exitCode: number | null,
): DeathRecord {
  return {
    v: 1,
    pid: 4242,
    startTime: 1,
    bootId: 'b',
    comm,
    argvHead: [comm],
    ppid: 1,
    pgid: 4242,
    sid: 4242,
    tty: null,
    cgroup,
    cause: {
      kind,
      signal,
      exitCode,
      source: 'record',
      time: '2026-01-01T00:00:00.000Z',
    } as unknown as DeathRecord['cause'],
    seenAt: '2026-01-01T00:00:00.000Z',
  };
}

/** What the textfile really writes: names and label names of every sample. */
function textfileVocabulary(): { names: Set<string>; labels: Map<string, Set<string>> } {
  const c = new DeathCounters();
  const host = { hostname: 'h', bootId: 'b' };
  c.add(toDeathEvent(death('oom-kill', 'SIGKILL', 'java', '/system.slice/payments.service', null), host));
  c.add(toDeathEvent(death('segfault', 'SIGSEGV', 'worker', '/worker.slice', null), host));
  c.add(toDeathEvent(death('exit', null, 'backup', null, 3), host));
  const expo = parseExposition(c.render({ events: 3, lost: 0, lagSeconds: 0, hooksDropped: 0 }));
  const labels = new Map<string, Set<string>>();
  for (const s of expo.samples) {
    const set = labels.get(s.name) ?? new Set<string>();
    for (const k of Object.keys(s.labels)) set.add(k);
    labels.set(s.name, set);
  }
  return { names: new Set(expo.samples.map((s) => s.name)), labels };
}

/** Labels Prometheus adds at scrape time, and node-exporter's own series. */
const SCRAPE_LABELS = new Set(['instance', 'job']);
const FOREIGN = new Set(['node_textfile_mtime_seconds']);

/** Every `whydied_*{...}` selector and `by (...)` in a PromQL text: the names and labels it relies on. */
export function vocabularyProblems(promql: string, v: ReturnType<typeof textfileVocabulary>): string[] {
  const problems: string[] = [];
  for (const m of promql.matchAll(/\b(whydied_[a-z_]+)\s*(\{([^}]*)\})?/g)) {
    const name = m[1];
    if (!v.names.has(name)) {
      problems.push(`${name} is not written by the textfile`);
      continue;
    }
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)/g))
      if (!SCRAPE_LABELS.has(l[1]) && !v.labels.get(name)?.has(l[1])) problems.push(`${name} has no label ${l[1]}`);
  }
  const all = new Set([...v.labels.values()].flatMap((s) => [...s]));
  for (const m of promql.matchAll(/\bby\s*\(([^)]*)\)/g))
    for (const l of m[1].split(',').map((x) => x.trim()))
      if (l && !SCRAPE_LABELS.has(l) && !all.has(l)) problems.push(`by (${l}): no such label`);
  return problems;
}

describe('Prometheus alert rules', () => {
  const vocab = textfileVocabulary();
  const rules = parse(fs.readFileSync(RULES, 'utf8')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  };
  const tests = parse(fs.readFileSync(TESTS, 'utf8')) as {
    tests: Array<{ input_series: Array<{ series: string }>; alert_rule_test: Array<{ alertname: string }> }>;
  };

  it('cover OOM kills by service, lost events, textfile staleness and crash loops', () => {
    const names = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).toEqual(
      expect.arrayContaining([
        'WhydiedOOMKills',
        'WhydiedRecorderLostEvents',
        'WhydiedTextfileStale',
        'WhydiedCrashLoop',
      ]),
    );
    // Every alert has at least one unit test that expects it to fire.
    const tested = new Set(tests.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    for (const n of names) expect([n, tested.has(n)]).toEqual([n, true]);
  });

  it('use only metric and label names the textfile writes (rules and test series)', () => {
    for (const r of rules.groups.flatMap((g) => g.rules))
      expect([r.alert, vocabularyProblems(r.expr, vocab)]).toEqual([r.alert, []]);
    for (const s of tests.tests.flatMap((t) => t.input_series)) {
      const name = /^([a-z_]+)/.exec(s.series)![1];
      if (FOREIGN.has(name)) continue;
      expect([s.series, vocabularyProblems(s.series, vocab)]).toEqual([s.series, []]);
      // A test series carries exactly the textfile's labels plus the scrape's.
      const labels = [...s.series.matchAll(/([a-z_]+)=/g)].map((m) => m[1]).filter((l) => !SCRAPE_LABELS.has(l));
      expect(labels.sort()).toEqual([...(vocab.labels.get(name) ?? [])].sort());
    }
  });

  it('the vocabulary check catches a renamed metric or label (it can fail)', () => {
    expect(vocabularyProblems('increase(whydied_death_total[5m])', vocab)).toEqual([
      'whydied_death_total is not written by the textfile',
    ]);
    expect(vocabularyProblems('sum by (unit) (whydied_deaths_total{reason="x"})', vocab)).toEqual([
      'whydied_deaths_total has no label reason',
      'by (unit): no such label',
    ]);
  });

  withPromtool('pass promtool check rules', () => {
    const r = spawnSync(promtool as string, ['check', 'rules', RULES], { encoding: 'utf8', timeout: 30000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  withPromtool('pass their promtool unit tests', () => {
    const r = spawnSync(promtool as string, ['test', 'rules', TESTS], { encoding: 'utf8', timeout: 60000, cwd: DIR });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  withPromtool('a rules unit test that expects the wrong thing fails (promtool really checks)', () => {
    const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'whydied-promtool-'));
    try {
      fs.copyFileSync(RULES, path.join(tmp, 'whydied-alerts.yml'));
      fs.writeFileSync(
        path.join(tmp, 'bad.test.yml'),
        fs.readFileSync(TESTS, 'utf8').replace('api was OOM-killed 4 times', 'api was OOM-killed 5 times'),
      );
      const r = spawnSync(promtool as string, ['test', 'rules', 'bad.test.yml'], {
        encoding: 'utf8',
        timeout: 60000,
        cwd: tmp,
      });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/FAILED/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
