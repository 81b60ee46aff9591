/**
 * Builds the V8 startup snapshot of the experiment (bench/snapshot.js; after `npm run build`):
 *  - dist/snapshot/whydied.snapshot.js: the esbuild bundle of bench/snapshot/entry.ts inside prologue.js;
 *  - dist/snapshot/whydied.blob: `node --build-snapshot` of it, after it replayed the captured scenarios
 *    (fixtures/scenarios/<name>/bundle.json, diagnosed as `whydied PID --from bundle.json` would), so the
 *    heap holds every module initialised and the functions a diagnosis runs compiled
 *    (WHYDIED_SNAPSHOT_WARM=0: no replay, only the modules the entry imports).
 * Run it as `node --snapshot-blob dist/snapshot/whydied.blob -- dist/whydied.js ARGS`: the loader's path
 * stands where a script's would, so process.argv is what `node dist/whydied.js ARGS` gives.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { bundleOf } = require('../../scripts/bundle');

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist');
const out = path.join(dist, 'snapshot');
const version = require(path.join(root, 'package.json')).version;

/** Replays for the warm-up: each captured scenario's own pid (expect.json), its bundle by absolute path. */
function warmTargets() {
  const dir = path.join(root, 'fixtures', 'scenarios');
  if (!fs.existsSync(dir) || process.env.WHYDIED_SNAPSHOT_WARM === '0') return [];
  const out = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const bundle = path.join(dir, name, 'bundle.json');
    const expect = path.join(dir, name, 'expect.json');
    if (!fs.existsSync(bundle) || !fs.existsSync(expect)) continue;
    const pid = JSON.parse(fs.readFileSync(expect, 'utf8')).pid;
    if (Number.isInteger(pid) && pid > 0) out.push({ bundle, pid });
  }
  return out;
}

async function build() {
  const meta = await require(path.join(dist, 'src', 'cli', 'run.js')).cliMeta(version);
  const code = await bundleOf(path.join(__dirname, 'entry.ts'), meta);
  const prologue = fs.readFileSync(path.join(__dirname, 'prologue.js'), 'utf8');
  fs.mkdirSync(out, { recursive: true });
  const entry = path.join(out, 'whydied.snapshot.js');
  const text = prologue
    .replace('__WHYDIED_DIST__', () => JSON.stringify(dist))
    .replace('__WHYDIED_WARM__', () => JSON.stringify(warmTargets()))
    .replace('__WHYDIED_BUNDLE__', () => code);
  fs.writeFileSync(entry, text, { mode: 0o644 });

  const blob = path.join(out, 'whydied.blob');
  const tmp = `${blob}.${process.pid}.tmp`;
  fs.rmSync(blob, { force: true });
  const r = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', entry], {
    cwd: out,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 120000,
  });
  if (r.error || r.status !== 0 || !fs.existsSync(tmp)) {
    fs.rmSync(tmp, { force: true });
    const why = r.error
      ? r.error.message
      : (r.stderr || '').trim().split('\n').slice(-3).join(' ') || `exit ${r.status}`;
    throw new Error(`snapshot not built: ${why}`);
  }
  fs.chmodSync(tmp, 0o644);
  fs.renameSync(tmp, blob);
  return blob;
}

module.exports = { build };
