/**
 * README examples are real runs pasted as printed: the ones this machine can run again the same way (a
 * replayed bundle, `explain`, `run` of a command that exits) are run again here and compared by shape:
 * the same lines, each with the same label or indent and the same words once numbers (pids, times) are
 * set aside. Examples of a live host (a port, a login session, systemd) are pasted from real runs of the
 * test environments and checked there (test/systemd, test/packaging) rather than here.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist', 'whydied.js');

interface Example {
  command: string;
  output: string[];
}

/** Every `$ whydied ...` line of a fenced block and what follows it up to the next `$ ` or the fence. */
function examples(): Example[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const out: Example[] = [];
  // Fences pair up in order (an opening fence may carry a language; only plain ones hold runs).
  let fence: string | null = null;
  let cur: Example | null = null;
  for (const line of readme.split('\n')) {
    if (line.startsWith('```')) {
      fence = fence === null ? line.slice(3) : null;
      cur = null;
    } else if (fence === '' && line.startsWith('$ ')) {
      cur = { command: line.slice(2), output: [] };
      out.push(cur);
    } else if (fence === '' && cur) cur.output.push(line);
  }
  return out;
}

/** Re-runnable here, as printed. */
const REPLAYABLE = [
  /^whydied explain \S+$/,
  /^whydied \d+ --from fixtures\/\S+$/,
  /^whydied run -- sh -c 'echo building; exit 3'$/,
  /^whydied run -- python3 -c 'import ctypes; ctypes.string_at\(0\)'$/,
];

/** A line's shape: numbers and clock times set aside (they differ per run), spaces kept. */
const shape = (l: string): string => l.replace(/\d+(\.\d+)?/g, 'N').replace(/\(N [a-z]+ ago\)/g, '(ago)');

const picked = examples().filter((e) => REPLAYABLE.some((r) => r.test(e.command)));

test('the README has replayable examples', () => {
  expect(picked.length).toBeGreaterThanOrEqual(3);
});

test.each(picked.map((e) => [e.command, e] as const))('README: $ %s', (_cmd, e) => {
  const args = e.command
    .replace(/^whydied /, '')
    .match(/'[^']*'|\S+/g)!
    .map((a) => a.replace(/^'(.*)'$/, '$1'));
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', COLUMNS: '80' },
  });
  // `run` prints its own lines on stderr and the README shows the exit status as `(exit N)`.
  const printed = [
    ...`${r.stdout}${r.stderr}`.replace(/\n$/, '').split('\n'),
    ...(e.output[e.output.length - 1]?.startsWith('(exit') ? [`(exit ${r.status})`] : []),
  ];
  expect(printed.map(shape)).toEqual(e.output.map(shape));
});
