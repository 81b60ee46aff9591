/**
 * Every survival rule is backed by a real scenario: a rule code that no reality test asserts with
 * expectRule() is a prediction nobody has seen come true, and fails here. The few exemptions say why
 * no event can be staged for them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KERNEL_THREAD_CODE, RISK_EVENTS, SURVIVAL_RULES } from '../../src/engine/survival';
import { rulesMarkdown } from '../../src/render/rules-markdown';

/** Codes for evidence that could not be read: reached only when /proc refuses, never by an event. */
const EXEMPT: Record<string, string> = {
  'hangup.unread': 'only when /proc/PID/stat or status is unreadable',
  'parent.unread': 'only when the parent chain is unreadable',
  'group.unread': 'only when /proc/PID/stat is unreadable',
  'limit.unread': 'only when /proc/PID/limits (world-readable, fs/proc/base.c) is unreadable or not the kernel layout',
  'session.unread': 'only when /proc/PID/cgroup is unreadable',
  'ci.unread': 'only when /proc/PID/environ is unreadable (another user, not root); test/cli/non-root.test.ts runs it',
  'container.unread': 'only when /proc/PID/status is unreadable',
  'memory.unread': 'only when /proc/PID/oom_score is unreadable',
  'session.user-manager-unread': 'only when the linger state (/var/lib/systemd/linger) cannot be read',
  'ci.init': 'pid 1 (the init) cannot be reaped or relaunched by a test; test/scenarios/special-processes diagnoses it',
  'group.none':
    'only init and kernel threads are in process group 0; no launcher group exists to kill (test/scenarios/special-processes diagnoses pid 1)',
};

function realitySources(): string {
  const dir = __dirname;
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.ts') && e.name !== 'coverage.test.ts') files.push(p);
    }
  };
  walk(dir);
  // The systemd suite stages the logind cases (session scopes, linger) in a booted systemd.
  const systemd = path.join(__dirname, '..', 'systemd');
  if (fs.existsSync(systemd)) walk(systemd);
  // The v2 VM suite stages the cgroup v2 cases (memory.high throttling, systemd-oomd).
  const v2vm = path.join(__dirname, '..', 'v2vm');
  if (fs.existsSync(v2vm)) walk(v2vm);
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

test('every survival rule code is asserted by a reality scenario (or exempt with a reason)', () => {
  const src = realitySources();
  const asserted = new Set([...src.matchAll(/expectRule\([^)]*?'([a-z]+\.[a-z0-9-]+)'/g)].map((m) => m[1]));
  const missing = SURVIVAL_RULES.map((r) => r.code).filter((c) => !asserted.has(c) && !(c in EXEMPT));
  expect(missing).toEqual([]);
  for (const code of Object.keys(EXEMPT)) expect(SURVIVAL_RULES.some((r) => r.code === code)).toBe(true);
});

test('rule codes are unique, each event ends in a rule, and the table is documented as it is', () => {
  const codes = SURVIVAL_RULES.map((r) => r.code);
  expect(new Set(codes).size).toBe(codes.length);
  for (const event of RISK_EVENTS) expect(SURVIVAL_RULES.some((r) => r.event === event)).toBe(true);
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'survival-rules.md'), 'utf8');
  expect(doc).toBe(rulesMarkdown(RISK_EVENTS, SURVIVAL_RULES, KERNEL_THREAD_CODE));
});
