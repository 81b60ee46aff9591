/**
 * Options that change what a tool does to its command when it stops (the tools table's flagTraits), each
 * read from the tool's own manual or source and made to happen with the real tool: `timeout --foreground`
 * signals the command alone (a server under its `sh -c` is left), `entr -r` kills the utility's process
 * group at its exit while plain `entr` leaves it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { procStat } from '../helpers/processes';
import { launch, signal, tempDir } from './harness/tools';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, uniqueSleep } from './predict';

const { need } = realitySuite('tools-options');

/** `TOOL... sh -c 'sleep N & wait'`; SIGTERM to the tool (the shell's parent); the server must die or stay. */
async function serverUnder(tool: readonly string[], code: string, dies: boolean, cwd?: string): Promise<void> {
  const n = uniqueSleep();
  const argv = [...tool, 'sh', '-c', `sleep ${n} & wait`];
  const l = await launch(argv, ['sleep', n], { cwd });
  const runner = procStat(l.parentPid)?.ppid ?? 0;
  const r = diagnose(l.pid);
  const pe = expectRule(r, 'parent-exit', code);
  expect(pe.outcome).toBe(dies ? 'dies' : 'survives');
  signal(runner, 'SIGTERM');
  const died = await outcomeOf(l.pid, pe);
  expect(died).toBe(dies);
  expectReality(pe, died);
  await l.stop();
}

describe('tool options that change the stop', () => {
  test('timeout: SIGTERM to timeout reaches its own group; a server under its command’s `sh -c` dies too', () =>
    serverUnder(['timeout', '300'], 'parent.stopper', true));
  test('timeout --foreground: SIGTERM to timeout reaches only its command; a server under `sh -c` is left running', () =>
    serverUnder(['timeout', '--foreground', '300'], 'parent.reparent', false));

  const watched = (): string => {
    const dir = tempDir('entr');
    fs.writeFileSync(path.join(dir, 'watched'), '');
    return dir;
  };
  need('entr')('entr -r: SIGTERM to entr kills the utility’s process group; a server under `sh -c` dies too', () => {
    const dir = watched();
    const n = uniqueSleep();
    return serverUnderEntr(dir, ['-rn'], n, 'parent.stopper', true);
  });
  need('entr')('entr without -r: SIGTERM to entr leaves the utility and its server running', () => {
    const dir = watched();
    const n = uniqueSleep();
    return serverUnderEntr(dir, ['-n'], n, 'parent.reparent', false);
  });
});

/** entr reads the files to watch on stdin: `ls watched | entr OPTS sh -c 'sleep N & wait'`. */
async function serverUnderEntr(dir: string, opts: string[], n: string, code: string, dies: boolean): Promise<void> {
  const script = `echo ${path.join(dir, 'watched')} | exec entr ${opts.join(' ')} sh -c 'sleep ${n} & wait'`;
  const l = await launch(['sh', '-c', script], ['sleep', n], { cwd: dir });
  const entr = procStat(l.parentPid)?.ppid ?? 0;
  expect(procStat(entr)?.comm).toBe('entr');
  const r = diagnose(l.pid);
  const pe = expectRule(r, 'parent-exit', code);
  signal(entr, 'SIGTERM');
  const died = await outcomeOf(l.pid, pe);
  expect(died).toBe(dies);
  expectReality(pe, died);
  await l.stop();
}
