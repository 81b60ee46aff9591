/**
 * The tools the unnamed-launchers work added (tsx, forever, socat) are told by the table as users run them:
 * an interpreter's script name, a script path whose basename is generic (forever's `bin/monitor`), a comm.
 */
import { classifyProcess } from '../../src/model/classify';
import { toolOf } from '../../src/model/tools';

const c = (comm: string, argv: string[] | null = null) => classifyProcess({ pid: 4242, comm, argv, ttyNr: 0 });

test('tsx by its script under node, with the traits its relay has', () => {
  const t = toolOf({ comm: 'node', argv: ['node', '/app/node_modules/.bin/tsx', 'watch', 'app.ts'] });
  expect(t?.id).toBe('tsx');
  expect(t?.traits).toMatchObject({ relaysSignals: true, stopsChildrenOnOwnStop: true });
});

test("forever's monitor by its script path; another script called monitor is not forever", () => {
  const argv = ['/usr/bin/node', '/usr/lib/node_modules/forever/bin/monitor', 'app.js'];
  expect(c('node', argv)).toMatchObject({ kind: 'supervisor', tool: 'forever' });
  expect(toolOf({ comm: 'node', argv: ['/usr/bin/node', '/srv/tools/monitor', 'x'] })).toBeNull();
  // Not a relay: forever's monitor stops its child only through `forever stop`.
  expect(toolOf({ comm: 'node', argv })?.traits.relaysSignals).toBe(false);
});

test('socat is a wrapper whose own stop ends the program it EXECs', () => {
  const t = c('socat', ['socat', 'TCP-LISTEN:8080,fork', 'EXEC:./serve']);
  expect(t).toMatchObject({ kind: 'wrapper', tool: 'socat' });
  expect(toolOf({ comm: 'socat' })?.traits.stopsChildrenOnOwnStop).toBe(true);
});
