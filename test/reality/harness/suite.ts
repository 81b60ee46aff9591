/**
 * The head every reality test file shares: its teardown (every undo the harness registered, then every process
 * the test started) and its gates. A reality test runs only where its event can really happen (root, the tool
 * installed, a harness available); elsewhere it is skipped with the reason, never faked. A gate is a reason
 * (string) or null, as the harness's `*Available()` checks and `missingTool()` return.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cleanupProcesses, isRoot } from '../../helpers/processes';
import { teardownAll } from './teardown';
import { missingTool } from './tools';

/** The npm tools a scenario runs from node_modules/.bin (devDependencies). */
const BIN = path.join(__dirname, '..', '..', '..', 'node_modules', '.bin');

export interface RealitySuite {
  /** Why the whole file is skipped, or null. */
  readonly skip: string | null;
  /** `describe`, or `describe.skip` when the file is skipped. */
  readonly maybe: jest.Describe;
  /** `describe`, or `describe.skip` when `reason` is set (logged `reality/LABEL skipped: …`): a part of a file. */
  part(label: string, reason: string | null): jest.Describe;
  /** `test`, or `test.skip` when `reason` is set: one test's own gate (logged `reality/NAME: WHAT skipped: …` with `what`). */
  unless(reason: string | null, what?: string): jest.It;
  /** `test`, or `test.skip` when any of these tools is not on PATH. */
  need(...tools: string[]): jest.It;
  /** `test`, or `test.skip` when node_modules/.bin has no `name`. */
  needBin(name: string): jest.It;
}

/** null as root, else why not (`why`: what needs root, e.g. 'watch needs tracefs'). */
export function notRoot(why?: string): string | null {
  if (isRoot()) return null;
  return why ? `not root (${why})` : 'not root';
}

/**
 * Set up one reality test file named `name` (its file name without `.test.ts`): registers its afterAll
 * teardown and logs `reality/NAME skipped: …` when `skip` is set. With `checkTeardown`, an undo that failed
 * fails the file (the harness's own self-test).
 */
export function realitySuite(
  name: string,
  skip: string | null = null,
  opts: { checkTeardown?: boolean } = {},
): RealitySuite {
  afterAll(async () => {
    const failures = await teardownAll();
    cleanupProcesses();
    if (opts.checkTeardown) expect(failures).toEqual([]);
  });
  const part = (label: string, reason: string | null): jest.Describe => {
    if (reason) console.log(`reality/${label} skipped: ${reason}`);
    return reason ? describe.skip : describe;
  };
  const unless = (reason: string | null, what?: string): jest.It => {
    if (reason && what) console.log(`reality/${name}: ${what} skipped: ${reason}`);
    return reason ? test.skip : test;
  };
  return {
    skip,
    maybe: part(name, skip),
    part,
    unless,
    need: (...tools) => unless(missingTool(...tools)),
    needBin: (bin) => (fs.existsSync(path.join(BIN, bin)) ? test : test.skip),
  };
}
