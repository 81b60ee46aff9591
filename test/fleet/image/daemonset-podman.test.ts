/**
 * The image built by deploy/image/build.sh, run the way the DaemonSet asks a node to run it
 * (deploy/image/run-daemonset.js turns the container spec into podman's flags: host PID namespace, the
 * two capabilities, read-only root, no-new-privileges, the hostPath mounts): a host process killed while
 * it runs reaches the container log (JSON lines), the host's textfile and the host's store. Twice: with
 * tracefs mounted, and on a node that only has debugfs (tracefs reached at /sys/kernel/debug/tracing).
 *
 * This machine's runtime quirks, passed beside the spec: crun refuses hybrid cgroup hierarchies (runc
 * does not), and without CAP_SYS_RESOURCE podman's default rlimits cannot be raised (lower ones are set).
 * Everything this file makes (the image, containers, the debugfs mount, temp dirs) is removed on every
 * exit path, signals included.
 */
import { spawnSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020';
import { cleanupProcesses, isRoot, track, waitFor } from '../../helpers/processes';
import { parseExposition } from '../../helpers/prom-parse';

const REPO = path.resolve(__dirname, '../../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { podmanArgs } = require(path.join(REPO, 'deploy/image/run-daemonset.js')) as {
  podmanArgs: (
    ds: unknown,
    o: { map?: Record<string, string>; env?: Record<string, string>; image?: string; name?: string },
  ) => string[];
};

const TAG = `localhost/whydied:test-${process.pid}`;
const RUNTIME = ['--runtime', 'runc', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096'];
const T = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-image-'));
const containers: string[] = [];
const mounts: string[] = [];
let imageBuilt = false;

function sh(
  cmd: string,
  args: string[],
  timeoutMs = 120000,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? r.error.message : '') };
}

/** Why this machine cannot run the test, or null. */
function cannotRun(): string | null {
  if (!isRoot()) return 'needs root (buildah mount, tracefs)';
  for (const tool of ['podman', 'buildah', 'runc'])
    if (sh('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if (!fs.existsSync(path.join(REPO, 'dist/whydied.bundle.js'))) return 'the bundle is not built (npm run build)';
  return null;
}

function cleanup(): void {
  for (const c of containers.splice(0)) sh('podman', ['rm', '-f', '-t', '2', c], 30000);
  if (imageBuilt) sh('podman', ['rmi', '-f', TAG], 30000);
  imageBuilt = false;
  for (const m of mounts.splice(0).reverse()) {
    sh('umount', [path.join(m, 'tracing')]);
    sh('umount', [m]);
  }
  cleanupProcesses();
  fs.rmSync(T, { recursive: true, force: true });
}
const onSignal = (sig: NodeJS.Signals): void => {
  cleanup();
  process.kill(process.pid, sig);
};

let reason = cannotRun();
if (reason === null) {
  // Build once; a runtime that cannot start the image at all is a skip (said why), not a failure.
  const b = sh(path.join(REPO, 'deploy/image/build.sh'), [TAG], 300000);
  imageBuilt = b.status === 0;
  if (!imageBuilt) reason = `deploy/image/build.sh failed: ${b.stderr.trim().split('\n').pop()}`;
  else {
    const v = sh('podman', ['run', '--rm', ...RUNTIME, TAG, '--version'], 60000);
    if (v.status !== 0) reason = `podman cannot run a container here: ${v.stderr.trim().split('\n').pop()}`;
  }
}
if (reason) console.log(`skipping the image test: ${reason}`);
const maybe = reason ? describe.skip : describe;

beforeAll(() => {
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
});
afterAll(() => {
  cleanup();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
});

const ds = parse(fs.readFileSync(path.join(REPO, 'deploy/daemonset.yaml'), 'utf8')) as {
  spec: { template: { spec: { volumes: Array<{ name: string; hostPath: { path: string } }> } } };
};
const hostPathOf = (name: string): string => ds.spec.template.spec.volumes.find((v) => v.name === name)!.hostPath.path;

const ajv = new Ajv2020({ strict: false });
const validDeath = ajv.compile(JSON.parse(fs.readFileSync(path.join(REPO, 'schema/death.schema.json'), 'utf8')));

/** Start the DaemonSet's container with the host paths mapped; resolves once the recorder says it records. */
async function startNode(name: string, map: Record<string, string>, hostname: string): Promise<void> {
  const args = podmanArgs(ds, { map, env: { WHYDIED_HOSTNAME: hostname }, image: TAG, name });
  const r = sh('podman', ['run', '-d', ...RUNTIME, ...args], 60000);
  containers.push(name);
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  const up = await waitFor(() => /recording: instance/.test(sh('podman', ['logs', name]).stderr), 30000, 200);
  if (!up) throw new Error(`recorder did not start: ${sh('podman', ['logs', name]).stderr}`);
}

/** A host process with a comm of its own and secret-looking arguments, killed with SIGTERM by this test. */
async function killVictim(comm: string): Promise<number> {
  const bin = path.join(T, comm);
  fs.copyFileSync('/usr/bin/sleep', bin);
  fs.chmodSync(bin, 0o755);
  const child = spawn(bin, ['3000', '600'], { stdio: 'ignore' });
  const pid = track(child.pid as number);
  await waitFor(() => {
    try {
      return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  }, 5000);
  process.kill(pid, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return pid;
}

type Death = Record<string, unknown> & {
  pid: number;
  host: { hostname: string };
  argvHead: string[];
  cause: Record<string, unknown>;
};

async function expectDeathEverywhere(
  name: string,
  state: string,
  textfile: string,
  pid: number,
  comm: string,
  hostname: string,
): Promise<void> {
  let death: Death | undefined;
  const found = await waitFor(
    () => {
      const out = sh('podman', ['logs', name]).stdout;
      death = out
        .split('\n')
        .filter((l) => l.includes(`"pid":${pid},`))
        .map((l) => JSON.parse(l) as Death)
        .find((d) => d.pid === pid);
      return death !== undefined;
    },
    20000,
    250,
  );
  expect(found).toBe(true);
  const d = death as Death;
  expect(validDeath(d)).toBe(true);
  expect(d.comm).toBe(comm);
  expect(d.host.hostname).toBe(hostname);
  expect(d.cause).toMatchObject({ kind: 'signal', signal: 'SIGTERM', sender: { pid: process.pid } });
  // WHYDIED_REDACT_ARGV=1 in the DaemonSet: the arguments never leave the node.
  expect(d.argvHead).toHaveLength(1);
  // The host's store (the state hostPath) has it too, redacted the same way.
  const recordsFile = path.join(state, 'records.jsonl');
  const rec = await waitFor(
    () => fs.existsSync(recordsFile) && fs.readFileSync(recordsFile, 'utf8').includes(`"pid":${pid},`),
    10000,
    200,
  );
  expect(rec).toBe(true);
  const stored = fs
    .readFileSync(recordsFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"pid":${pid},`))
    .map((l) => JSON.parse(l) as Death)
    .find((r) => r.pid === pid) as Death;
  expect(stored.cause).toMatchObject({ kind: 'signal', signal: 'SIGTERM' });
  expect(stored.argvHead).toHaveLength(1);
  // The host's textfile directory: the series for this comm, parsed strictly (rewritten every 5 s).
  const prom = path.join(textfile, 'whydied.prom');
  const series = `whydied_deaths_total{cause="signal",signal="SIGTERM",comm="${comm}",service="${comm}"}`;
  expect(await waitFor(() => fs.existsSync(prom) && fs.readFileSync(prom, 'utf8').includes(series), 15000, 250)).toBe(
    true,
  );
  const expo = parseExposition(fs.readFileSync(prom, 'utf8'));
  const s = expo.samples.find((x) => x.name === 'whydied_deaths_total' && x.labels.comm === comm);
  expect(s?.value).toBe(1);
}

/** podman stop: SIGTERM, the recorder drains and removes its tracing instance. */
function stopNode(name: string, tracefsRoot: string): void {
  const before = sh('podman', ['inspect', '-f', '{{.State.Pid}}', name]).stdout.trim();
  expect(sh('podman', ['stop', '-t', '10', name], 30000).status).toBe(0);
  expect(sh('podman', ['logs', name]).stderr).toMatch(/stopped \(exit path\)/);
  const left = fs
    .readdirSync(path.join(tracefsRoot, 'instances'))
    .filter((n) => n.startsWith(`whydied-record-${before}-`));
  expect(left).toEqual([]);
}

maybe('the image runs the recorder as the DaemonSet does', () => {
  it('tracefs mounted: a killed host process reaches the container log, the textfile and the store', async () => {
    const state = path.join(T, 'a-state');
    const textfile = path.join(T, 'a-textfile');
    await startNode(
      `whydied-test-a-${process.pid}`,
      { [hostPathOf('state')]: state, [hostPathOf('textfile')]: textfile },
      'node-a',
    );
    const pid = await killVictim('wdimg-victim-a');
    await expectDeathEverywhere(`whydied-test-a-${process.pid}`, state, textfile, pid, 'wdimg-victim-a', 'node-a');
    stopNode(`whydied-test-a-${process.pid}`, '/sys/kernel/tracing');
  }, 120000);

  it('a node with debugfs only: tracefs through /sys/kernel/debug/tracing', async () => {
    const state = path.join(T, 'b-state');
    const textfile = path.join(T, 'b-textfile');
    const noTracefs = path.join(T, 'no-tracefs');
    const debugfs = path.join(T, 'debugfs');
    fs.mkdirSync(noTracefs);
    fs.mkdirSync(debugfs);
    expect(sh('mount', ['-t', 'debugfs', 'none', debugfs]).status).toBe(0);
    mounts.push(debugfs);
    const name = `whydied-test-b-${process.pid}`;
    await startNode(
      name,
      {
        [hostPathOf('state')]: state,
        [hostPathOf('textfile')]: textfile,
        [hostPathOf('tracefs')]: noTracefs,
        [hostPathOf('debugfs')]: debugfs,
      },
      'node-b',
    );
    const pid = await killVictim('wdimg-victim-b');
    await expectDeathEverywhere(name, state, textfile, pid, 'wdimg-victim-b', 'node-b');
    stopNode(name, path.join(debugfs, 'tracing'));
  }, 120000);
});
