/**
 * session-end and memory-pressure on a real process, with only the machine-level facts this VM
 * cannot produce (a logind session scope, a logind.conf, a tight memory limit) substituted.
 */
import * as path from 'path';
import { spawnSync } from 'child_process';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { runChecks } from '../../src/engine/runner';
import { bestCause, decide } from '../../src/engine/verdict';
import { builtinChecks } from '../../checks';
import type { Facts, Read } from '../../src/source/types';
import type { Finding } from '../../src/engine/types';
import { cleanupProcesses, readPidFile } from '../helpers/processes';
import { waitForComm, cleanEnv, tempDir } from './helpers';
import { createCheckContext } from '../../src/engine/context';

afterAll(() => cleanupProcesses());

type Overrides = Partial<Pick<Facts, 'cgroups' | 'text' | 'memoryCgroup'>>;

function withOverrides(facts: Facts, o: Overrides): Facts {
  return new Proxy(facts, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in o) return o[prop as keyof Overrides];
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function decideWith(pid: number, o: Overrides) {
  const facts = withOverrides(createFacts(createLiveSource()), o);
  const stat = facts.stat(pid);
  const target = { query: String(pid), pid, startTime: stat.ok ? stat.value.startTime : null, name: null };
  const ctx = createCheckContext(facts, target);
  const findings = await runChecks(builtinChecks, ctx);
  return decide({ target, facts, findings, model: ctx.model });
}

let pid = 0;
beforeAll(async () => {
  const pidFile = path.join(tempDir(), 'p.pid');
  spawnSync(
    'bash',
    ['-c', `setsid -f sh -c 'echo $$ > "$0"; exec sleep 1000' '${pidFile}' </dev/null >/dev/null 2>&1`],
    { env: cleanEnv() },
  );
  pid = await readPidFile(pidFile);
  await waitForComm(pid, 'sleep');
});

const session = (): Read<{ hierarchy: number; controllers: string[]; path: string }[]> => ({
  ok: true,
  value: [{ hierarchy: 0, controllers: [], path: '/user.slice/user-1000.slice/session-7.scope' }],
});
const conf =
  (value: string) =>
  (p: string): Read<string> =>
    p === '/etc/systemd/logind.conf'
      ? { ok: true, value: `[Login]\nKillUserProcesses=${value}\n` }
      : { ok: false, code: 'ENOENT', message: p };

test('session-N.scope with KillUserProcesses=yes dies at session end; =no survives', async () => {
  const yes = await decideWith(pid, { cgroups: session, text: conf('yes') });
  expect(yes.risks.find((r) => r.event === 'session-end')).toMatchObject({ outcome: 'dies' });
  expect(yes.risks.find((r) => r.event === 'session-end')?.reason).toMatch(/session-7\.scope.*KillUserProcesses=yes/);
  expect(yes.verdict.status).toBe('at-risk');
  const no = await decideWith(pid, { cgroups: session, text: conf('no') });
  expect(no.risks.find((r) => r.event === 'session-end')).toMatchObject({ outcome: 'survives' });
  const unset = await decideWith(pid, {
    cgroups: session,
    text: () => ({ ok: false, code: 'ENOENT', message: 'none' }),
  });
  expect(unset.risks.find((r) => r.event === 'session-end')).toMatchObject({ outcome: 'unknown' });
});

// Memory pressure is decided against a real memory cgroup in test/reality (memory.majority / memory.minority).

test('the best cause wins by source: watch > record > kernel-log > journal > plugin', () => {
  const f = (source: 'watch' | 'record' | 'kernel-log' | 'journal' | 'plugin'): Finding => ({
    id: source,
    title: source,
    status: 'info',
    code: 'x',
    summary: '',
    details: [],
    evidence: {},
    durationMs: 0,
    cause: { kind: 'signal', signal: 'SIGTERM', source },
  });
  expect(bestCause([f('plugin'), f('journal'), f('kernel-log')])?.source).toBe('kernel-log');
  expect(bestCause([f('record'), f('watch'), f('journal')])?.source).toBe('watch');
  expect(bestCause([])).toBeNull();
});
