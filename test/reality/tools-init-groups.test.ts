/**
 * Container inits and the process group (catalogue: tool.container-inits): whether an init's stop reaches
 * a server its command started under `sh -c` depends on the init and its options, read from each tool's
 * own source — dumb-init signals the child's process group by default (`-c` only the child), tini and
 * catatonit only the child unless `-g`. The real init is stopped with SIGTERM (what `docker stop` sends)
 * and the server must die or stay as predicted.
 */
import { procStat } from '../helpers/processes';
import { launch, signal } from './harness/tools';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, uniqueSleep } from './predict';

const { need } = realitySuite('tools-init-groups');

/** `INIT... sh -c 'sleep N & wait'`: the server under the init's child; SIGTERM to the init. */
async function serverUnderShell(init: readonly string[], code: string, dies: boolean): Promise<void> {
  const n = uniqueSleep();
  const l = await launch([...init, 'sh', '-c', `sleep ${n} & wait`], ['sleep', n]);
  const shell = l.parentPid;
  const initPid = procStat(shell)?.ppid ?? 0;
  expect(procStat(initPid)?.comm).toBe(init[0]);
  const r = diagnose(l.pid);
  const pe = expectRule(r, 'parent-exit', code);
  expect(pe.outcome).toBe(dies ? 'dies' : 'survives');
  signal(initPid, 'SIGTERM');
  const died = await outcomeOf(l.pid, pe);
  expect(died).toBe(dies);
  expectReality(pe, died);
  await l.stop();
}

describe('container inits: the stop and the command’s process group', () => {
  need('dumb-init')(
    'dumb-init: SIGTERM reaches the whole process group of its command; a server under `sh -c` dies too',
    () => serverUnderShell(['dumb-init'], 'parent.stopper', true),
  );
  need('dumb-init')(
    'dumb-init -c (single child): SIGTERM reaches only its child; a server under `sh -c` is left running',
    () => serverUnderShell(['dumb-init', '-c'], 'parent.reparent', false),
  );
  need('tini')('tini -g: SIGTERM reaches its child’s process group; a server under `sh -c` dies too', () =>
    serverUnderShell(['tini', '-g', '--'], 'parent.stopper', true),
  );
  need('tini')('tini without -g: SIGTERM reaches only its child; a server under `sh -c` is left running', () =>
    serverUnderShell(['tini', '--'], 'parent.reparent', false),
  );
  need('catatonit')('catatonit -g: SIGTERM reaches its child’s process group; a server under `sh -c` dies too', () =>
    serverUnderShell(['catatonit', '-g', '--'], 'parent.stopper', true),
  );
});
