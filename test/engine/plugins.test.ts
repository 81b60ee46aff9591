import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadPlugins, extractChecks } from '../../src/engine/plugins';
import { runChecks, validateChecks } from '../../src/engine/runner';
import { fakeFacts } from './fake-facts';
import { createCheckContext } from '../../src/engine/context';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-plugins-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, body);
  return p;
}

const GOOD = `
const probe = {
  meta: { id: 'acme/probe', title: 'Acme probe', description: 'reads the target pid', codes: { seen: 'saw it' } },
  run: (ctx) => ({ status: 'info', code: 'seen', summary: 'pid ' + ctx.target.pid }),
};
const crash = {
  meta: { id: 'acme/crash', title: 'Acme crash', description: 'always throws' },
  run: () => { throw new Error('plugin exploded'); },
};
module.exports = { checks: [probe, crash] };
`;

describe('loadPlugins', () => {
  // ES modules are loaded by the CLI test (jest's module system cannot import() them).
  it('loads a CommonJS module exporting { checks }, a single check, or an array', async () => {
    const a = write('a.js', GOOD);
    const b = write(
      'b.js',
      `module.exports = { meta: { id: 'acme/one', title: 'One', description: 'd' }, run: () => ({ status: 'pass', code: 'x', summary: 's' }) };`,
    );
    const c = write(
      'c.js',
      `module.exports = [{ meta: { id: 'acme/two', title: 'Two', description: 'd' }, run: () => ({ status: 'pass', code: 'x', summary: 's' }) }];`,
    );
    // Relative paths are resolved against the working directory.
    const rel = path.relative(process.cwd(), a);
    const res = await loadPlugins([rel, b, c]);
    expect(res.errors).toEqual([]);
    expect(res.checks.map((x) => x.meta.id)).toEqual(['acme/probe', 'acme/crash', 'acme/one', 'acme/two']);
  });

  it('reports modules that do not load or export bad checks, one line each, and still loads the rest', async () => {
    const good = write('good.js', GOOD);
    const bad = [
      write('unnamespaced.js', `module.exports = { meta: { id: 'probe', title: 'T', description: 'd' }, run() {} };`),
      write('norun.js', `module.exports = { meta: { id: 'acme/x', title: 'T', description: 'd' } };`),
      write('syntax.js', `module.exports = {{;`),
      write('throws.js', `throw new Error('load-time failure\\nsecond line');`),
      write('empty.js', `module.exports = [];`),
      path.join(dir, 'missing.js'),
    ];
    const res = await loadPlugins([good, ...bad]);
    expect(res.checks.map((x) => x.meta.id)).toEqual(['acme/probe', 'acme/crash']);
    expect(res.errors.map((e) => e.path)).toEqual(bad);
    for (const e of res.errors) expect(e.message).not.toContain('\n');
    expect(res.errors[0].message).toContain("must be namespaced like 'vendor/name'");
    expect(res.errors[1].message).toBe("check 'acme/x' has no run function");
    expect(res.errors[3].message).toBe('load-time failure');
    expect(res.errors[4].message).toBe('exports no checks');
  });

  it('a plugin check that throws at run time becomes an error finding by id; the rest still run', async () => {
    const { checks } = await loadPlugins([write('run.js', GOOD)]);
    validateChecks(checks);
    const out = await runChecks(
      checks,
      createCheckContext(fakeFacts(), { query: '7', pid: 7, startTime: null, name: null }),
    );
    expect(out.map((f) => [f.id, f.status, f.summary])).toEqual([
      ['acme/probe', 'info', 'pid 7'],
      ['acme/crash', 'error', 'check crashed: plugin exploded'],
    ]);
  });

  it('extractChecks accepts default-export interop objects', () => {
    const check = {
      meta: { id: 'v/n', title: 't', description: 'd' },
      run: () => ({ status: 'pass', code: 'c', summary: 's' }),
    };
    expect(extractChecks({ __esModule: true, default: check })).toEqual([check]);
    expect(extractChecks({ default: { checks: [check] } })).toEqual([check]);
  });
});
