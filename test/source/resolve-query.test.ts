/** resolveQuery on real processes: a TCP listener, a name, and every kind of bad input. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { QueryError, resolveQuery } from '../../src/source/resolve-query';
import { cleanupProcesses, startDetached, waitFor } from '../helpers/processes';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-query-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const facts = () => createFacts(createLiveSource());

test(':PORT finds the process listening on it', async () => {
  const portFile = path.join(tmp, 'port');
  const script = [
    'import socket, sys, time',
    's = socket.socket()',
    "s.bind(('127.0.0.1', 0))",
    's.listen()',
    `open(${JSON.stringify(portFile)}, 'w').write(str(s.getsockname()[1]))`,
    'time.sleep(100)',
  ].join('\n');
  const pid = startDetached('python3', ['-c', script]);
  await waitFor(() => fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8') !== '');
  const port = Number(fs.readFileSync(portFile, 'utf8'));
  expect(resolveQuery(`:${port}`, facts())).toEqual({ kind: 'port', port, pids: [pid] });
  const listener = facts()
    .tcpListeners()
    .find((l) => l.port === port);
  expect(listener).toMatchObject({ family: 'tcp', address: '127.0.0.1' });
});

test(':PORT with nobody listening resolves to no pids', () => {
  // Port 1 (tcpmux) is privileged and essentially never served.
  expect(resolveQuery(':1', facts())).toEqual({ kind: 'port', port: 1, pids: [] });
});

test('a name matches comm or argv[0] basename, newest first, never ourselves', async () => {
  const name = `wdq${process.pid % 100000}`;
  const first = startDetached('bash', ['-c', `exec -a /opt/bin/${name} sleep 100`]);
  await waitFor(() => fs.readFileSync(`/proc/${first}/cmdline`, 'utf8').includes(name));
  await new Promise((r) => setTimeout(r, 30)); // a later start tick for the second one
  const second = startDetached('bash', ['-c', `exec -a ${name} sleep 100`]);
  await waitFor(() => fs.readFileSync(`/proc/${second}/cmdline`, 'utf8').startsWith(name));
  expect(resolveQuery(name, facts())).toEqual({ kind: 'name', name, pids: [second, first] });
  const sleeps = resolveQuery('sleep', facts());
  expect(sleeps.kind === 'name' && sleeps.pids).toEqual(expect.arrayContaining([first, second]));
  const self = resolveQuery(fs.readFileSync('/proc/self/comm', 'utf8').trim(), facts());
  expect(self.kind === 'name' && self.pids).not.toContain(process.pid);
  expect(resolveQuery('no-such-process-whydied', facts())).toEqual({
    kind: 'name',
    name: 'no-such-process-whydied',
    pids: [],
  });
});

test('pids', () => {
  expect(resolveQuery('1', facts())).toEqual({ kind: 'pid', pid: 1 });
  expect(resolveQuery(String(process.pid), facts())).toEqual({ kind: 'pid', pid: process.pid });
  // A pid that does not exist (but is a valid number) still resolves; existence is a check's job.
  expect(resolveQuery(String(facts().host().pidMax), facts())).toMatchObject({ kind: 'pid' });
});

test('digits-and-letters and dashes are names', () => {
  expect(resolveQuery('12a', facts())).toMatchObject({ kind: 'name', name: '12a' });
  expect(resolveQuery('-bash', facts())).toMatchObject({ kind: 'name', name: '-bash' });
  expect(resolveQuery('-5', facts())).toMatchObject({ kind: 'name', name: '-5' });
});

test.each(['0', '000', '99999999', String(2 ** 53), ':0', ':70000', ':65536', ':abc', ':', ':-1', ': 80', '', '   '])(
  'invalid %j throws one QueryError line',
  (q) => {
    let caught: unknown;
    try {
      resolveQuery(q, facts());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(QueryError);
    expect((caught as Error).message).not.toContain('\n');
    expect((caught as Error).message.length).toBeGreaterThan(5);
  },
);
