/**
 * The layer rules (.dependency-cruiser.js) are part of the build: the real tree must satisfy them,
 * and a tree that breaks one must fail the check. The planted trees are written to a temp dir
 * with the project's own config, so the check under test is exactly the one `npm test` runs.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.js');

function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(DEPCRUISE, ['src', 'checks', '--config', CONFIG, '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A minimal tree: the three entry points, a util, a source module and whatever the test adds. */
function plant(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-layers-'));
  const base: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'commonjs', strict: true },
      include: ['src', 'checks'],
    }),
    'src/util/words.ts': 'export const word = "w";\n',
    'src/source/read.ts': "import { word } from '../util/words';\nexport const read = () => word;\n",
    'src/engine/run.ts': "import { read } from '../source/read';\nexport const run = () => read();\n",
    'checks/index.ts': "import { run } from '../src/engine/run';\nexport const checks = [run];\n",
    'src/index.ts': "export { checks } from '../checks/index';\n",
    'src/cli/main.ts': "import { checks } from '../../checks/index';\nexport const main = () => checks;\n",
  };
  for (const [rel, text] of Object.entries({ ...base, ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const planted: string[] = [];
afterAll(() => {
  for (const d of planted) fs.rmSync(d, { recursive: true, force: true });
});

describe('layer rules', () => {
  test('the tree satisfies every rule', () => {
    const r = cruise(ROOT);
    expect(r.out).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });

  test('a well-layered planted tree passes (the rules are not failing for another reason)', () => {
    const dir = plant({});
    planted.push(dir);
    const r = cruise(dir);
    expect(r.out).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });

  test.each([
    [
      'source-imports-above',
      { 'src/source/read.ts': "import { run } from '../engine/run';\nexport const read = () => run;\n" },
    ],
    [
      'engine-imports-above',
      { 'src/engine/run.ts': "import { checks } from '../../checks/index';\nexport const run = () => checks;\n" },
    ],
    [
      'nothing-imports-the-cli',
      { 'src/engine/run.ts': "import { main } from '../cli/main';\nexport const run = () => main;\n" },
    ],
    [
      'no-os-in-pure-layers',
      { 'src/engine/run.ts': "import * as fs from 'fs';\nexport const run = () => fs.existsSync('/');\n" },
    ],
    [
      'watch-imports-a-sibling',
      {
        'src/record/store.ts': 'export const store = 1;\n',
        'src/watch/watch.ts': "import { store } from '../record/store';\nexport const watch = store;\n",
        'src/cli/main.ts': "import { watch } from '../watch/watch';\nexport const main = () => watch;\n",
      },
    ],
    [
      'no-circular',
      {
        'src/source/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
        'src/source/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
        'src/source/read.ts': "import { a } from './a';\nexport const read = () => a;\n",
      },
    ],
    ['no-dead-modules', { 'src/source/unused.ts': "import { read } from './read';\nexport const unused = read;\n" }],
  ])('a tree breaking %s fails the check', (rule, files) => {
    const dir = plant(files);
    planted.push(dir);
    const r = cruise(dir);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(`error ${rule}:`);
  });

  test('only src/source reads /proc with fs (observers read it through src/source/process-identity.ts)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          // Code only: comments may well talk about /proc.
          const code = fs
            .readFileSync(p, 'utf8')
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/^\s*\/\/.*$/gm, '');
          if (/\bfs\.\w+\(\s*['"`]\/proc[/'"`]/.test(code)) offenders.push(path.relative(ROOT, p));
        }
      }
    };
    for (const top of ['src', 'checks']) walk(path.join(ROOT, top));
    expect(offenders.filter((f) => !f.startsWith('src/source/'))).toEqual([]);
  });
});
