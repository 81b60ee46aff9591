/**
 * A real terminal hangup: an interactive bash on a pty whose master is closed. The kernel sends SIGHUP to the
 * session leader (bash), bash forwards SIGHUP to its jobs with kill(-pgid): the plain `&` job dies of it,
 * the nohup job survives.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { watch } from '../../src/observe/watch';
import { cleanupProcesses, isAlive, isRoot, readPidFile, track } from '../helpers/processes';

const root = isRoot();
if (!root) console.log('skipping hangup test: tracefs needs root');

afterAll(() => cleanupProcesses());

(root ? it : it.skip)(
  'plain & job killed by SIGHUP from bash; the kernel hung up bash; nohup job survives',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-hup-'));
    const py = spawn('python3', [path.join(__dirname, 'fixtures', 'hangup.py'), dir], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    track(py.pid as number);
    const plain = await readPidFile(path.join(dir, 'plain.pid'));
    const nohup = await readPidFile(path.join(dir, 'nohup.pid'));
    const bash = await readPidFile(path.join(dir, 'bash.pid'));
    const p = watch([plain, bash], { timeoutMs: 15000 });
    await new Promise((r) => setTimeout(r, 300));
    py.stdin?.write('\n');
    const [rPlain, rBash] = await p;
    expect(rPlain.death?.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGHUP',
      sender: { pid: bash, comm: 'bash' },
      details: { groupDirected: true, kernelSent: false },
    });
    expect(rBash.death?.cause).toMatchObject({
      kind: 'signal',
      signal: 'SIGHUP',
      details: { kernelSent: true, reason: 'terminal-hangup' },
    });
    expect(isAlive(nohup)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  },
);
