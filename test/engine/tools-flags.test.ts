/**
 * The tools table's lookups added for breadth: a tool run by an interpreter is named by its script
 * (`node .bin/nodemon`), a renamed one by its prefix (`foreman: master`), and an option that changes what
 * its stop reaches (flagTraits) changes the traits the rules read.
 */
import { toolOf } from '../../src/model/tools';

const t = (comm: string, argv: string[]) => toolOf({ comm, argv });

test('an interpreter’s script names the tool; an unknown script names nothing', () => {
  expect(t('node', ['node', '/x/node_modules/.bin/nodemon', 'app.js'])?.id).toBe('nodemon');
  expect(t('node', ['/usr/bin/node', '--max-old-space-size=99', '/x/.bin/concurrently', 'a'])?.id).toBe('concurrently');
  expect(t('node', ['node', '/srv/app.js'])).toBeNull();
  expect(t('foreman: master', ['foreman: master'])?.id).toBe('foreman');
  expect(t('npm start', ['npm start'])?.id).toBe('npm');
});

test('options change what the stop reaches', () => {
  expect(t('tini', ['tini', '--', 'sh'])?.traits.signalsGroup).toBe(false);
  expect(t('tini', ['tini', '-g', '--', 'sh'])?.traits.signalsGroup).toBe(true);
  expect(t('tini', ['tini', '-sg', '--', 'sh'])?.traits.signalsGroup).toBe(true);
  expect(t('dumb-init', ['dumb-init', 'sh'])?.traits.signalsGroup).toBe(true);
  expect(t('dumb-init', ['dumb-init', '-c', 'sh'])?.traits.signalsGroup).toBe(false);
  expect(t('timeout', ['timeout', '5', 'sh'])?.traits.signalsGroup).toBe(true);
  expect(t('timeout', ['timeout', '--foreground', '5', 'sh'])?.traits).toMatchObject({
    signalsGroup: false,
    killsGroupAtEnd: false,
  });
  // An option of the command, after the tool's own options end, changes nothing.
  expect(t('timeout', ['timeout', '5', 'sh', '--foreground'])?.traits.signalsGroup).toBe(true);
  expect(t('entr', ['entr', '-n', 'sh'])?.traits.stopsChildrenOnOwnStop).toBe(false);
  expect(t('entr', ['entr', '-rn', 'sh'])?.traits).toMatchObject({ stopsChildrenOnOwnStop: true, signalsGroup: true });
});

test('a parent-death signal is read from the launcher’s own options, with a value or among option values', () => {
  expect(t('unshare', ['unshare', '--fork', 'sleep', '9'])?.traits.childDeathSignal).toBe(false);
  expect(t('unshare', ['unshare', '--fork', '--kill-child', 'sleep', '9'])?.traits.childDeathSignal).toBe(true);
  expect(t('unshare', ['unshare', '-f', '--kill-child=SIGTERM', 'sleep'])?.traits.childDeathSignal).toBe(true);
  // The command's own option is not unshare's.
  expect(t('unshare', ['unshare', '--fork', 'prog', '--kill-child'])?.traits.childDeathSignal).toBe(false);
  // bwrap's options take values (`--ro-bind / /`): its flag is looked for in the whole argv, up to `--`.
  expect(t('bwrap', ['bwrap', '--ro-bind', '/', '/', '--die-with-parent', 'sh'])?.traits).toMatchObject({
    childDeathSignal: true,
    ownDeathSignal: true,
  });
  expect(t('bwrap', ['bwrap', '--ro-bind', '/', '/', '--', 'prog', '--die-with-parent'])?.traits.ownDeathSignal).toBe(
    false,
  );
});
