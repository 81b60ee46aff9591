/**
 * Development runners and Procfile runners, each the real tool (npm devDependencies, ruby-foreman from
 * .ci/run): what each does to its commands when it is itself stopped, read from its own source (the tools
 * table's `sources`), predicted by whydied and then made to happen. A runner whose stop reaches its command
 * is its keeper (parent.stopper, `by: keeper`); one whose stop misses a command under `sh -c` is not.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanEnv } from '../scenarios/helpers';
import { procStat } from '../helpers/processes';
import { launch, signal, tempDir } from './harness/tools';
import { realitySuite, notRoot } from './harness/suite';
import { diagnose, expectReality, expectRule, mechanismOf, outcomeOf, startWatch, uniqueSleep } from './predict';

const BIN = path.join(__dirname, '..', '..', 'node_modules', '.bin');
const { maybe, need, needBin } = realitySuite('tools-runners', notRoot('watch needs tracefs'));

/** The node a launched npm tool runs on (its process.execPath: the argv[0] of the app it spawns). */
function nodeOnPath(): string {
  const r = spawnSync('node', ['-p', 'process.execPath'], { encoding: 'utf8', env: cleanEnv({}) });
  return r.stdout.trim();
}

/** The keeper's stop is predicted as the keeper's end, and the verdict does not count it. */
function expectKeeperStop(pid: number, name: RegExp) {
  const r = diagnose(pid);
  const pe = expectRule(r, 'parent-exit', 'parent.stopper');
  expect(pe.by).toBe('keeper');
  expect(pe.reason).toMatch(name);
  expect(r.risks.filter((x) => x.outcome === 'dies' && x.by !== 'keeper').length > 0).toBe(
    r.verdict.status === 'at-risk',
  );
  return pe;
}

maybe('development and Procfile runners', () => {
  needBin('concurrently')(
    'concurrently: SIGTERM to concurrently ends its command through `sh -c` (tree-kill)',
    async () => {
      const n = uniqueSleep();
      const l = await launch([path.join(BIN, 'concurrently'), `sleep ${n}`], ['sleep', n]);
      const pe = expectKeeperStop(l.pid, /concurrently/);
      expect(pe.reason).toMatch(/through sh -c/);
      const w = await startWatch(l.pid);
      signal(l.rootPid, 'SIGTERM');
      expectReality(pe, await outcomeOf(l.pid, pe));
      expect(mechanismOf(await w.result)).toBe('kill');
      await l.stop();
    },
  );

  needBin('nodemon')('nodemon: SIGTERM to nodemon ends the app it runs directly', async () => {
    const dir = tempDir('nodemon');
    const app = path.join(dir, `app-${uniqueSleep()}.js`);
    fs.writeFileSync(app, 'setInterval(() => {}, 1e6);\n');
    const l = await launch([path.join(BIN, 'nodemon'), app], [nodeOnPath(), app], { cwd: dir });
    const pe = expectKeeperStop(l.pid, /nodemon/);
    const w = await startWatch(l.pid);
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
    expect(mechanismOf(await w.result)).toBe('kill');
    await l.stop();
  });

  needBin('nodemon')(
    'nodemon --exec through `sh -c`: SIGTERM to nodemon ends sh only; the command under it is left running',
    async () => {
      const n = uniqueSleep();
      const dir = tempDir('nodemon-exec');
      const l = await launch([path.join(BIN, 'nodemon'), '--exec', `sleep ${n}`], ['sleep', n], { cwd: dir });
      const r = diagnose(l.pid);
      const pe = expectRule(r, 'parent-exit', 'parent.reparent');
      const nodemon = l.rootPid;
      signal(nodemon, 'SIGTERM');
      const died = await outcomeOf(l.pid, pe);
      expect(died).toBe(false);
      expectReality(pe, died);
      await l.stop();
    },
  );

  need('foreman')('foreman: SIGTERM to foreman ends its Procfile processes', async () => {
    const n = uniqueSleep();
    const dir = tempDir('foreman');
    fs.writeFileSync(path.join(dir, 'Procfile'), `web: sleep ${n}\n`);
    const l = await launch(['foreman', 'start', '-f', path.join(dir, 'Procfile')], ['sleep', n], { cwd: dir });
    const pe = expectKeeperStop(l.pid, /foreman/);
    const w = await startWatch(l.pid);
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
    expect(['kill', 'group-kill']).toContain(mechanismOf(await w.result));
    await l.stop();
  });

  need('monit')('monit: a start program that stays its child is SIGKILLed when monit exits', async () => {
    const n = uniqueSleep();
    const dir = tempDir('monit');
    const rc = path.join(dir, 'monitrc');
    const sleep = spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim();
    fs.writeFileSync(
      rc,
      [
        'set daemon 1',
        `set pidfile ${dir}/monit.pid`,
        `set idfile ${dir}/monit.id`,
        `set statefile ${dir}/monit.state`,
        `check process sleeper matching "^${sleep} ${n}$"`,
        `  start program = "${sleep} ${n}"`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const l = await launch(['monit', '-I', '-c', rc], [sleep, n], { cwd: dir, timeoutMs: 20000 });
    const pe = expectKeeperStop(l.pid, /monit/);
    const w = await startWatch(l.pid);
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
    const c = await w.result;
    expect(c?.signal).toBe('SIGKILL');
    expect(mechanismOf(c)).toBe('kill');
    await l.stop();
  });

  test('npm start: SIGTERM to npm is forwarded to its `sh -c` only; the app under it runs on', async () => {
    const n = uniqueSleep();
    const dir = tempDir('npm');
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'p', version: '1.0.0', scripts: { start: `sleep ${n}` } }),
    );
    const l = await launch(['npm', 'start'], ['sleep', n], { cwd: dir, timeoutMs: 30000 });
    const npm = procStat(l.parentPid)?.ppid ?? 0;
    expect(procStat(npm)?.comm).toMatch(/^npm/);
    const r = diagnose(l.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    signal(npm, 'SIGTERM');
    const died = await outcomeOf(l.pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
    await l.stop();
  });
});
