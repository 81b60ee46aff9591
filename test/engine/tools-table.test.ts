/**
 * The tools table read by classification: each tool is recognised by comm or argv[0], keeps the kind the
 * rules read, and names the tools-table entry; names are unique across entries.
 */
import { classifyProcess } from '../../src/model/classify';
import { TOOLS, toolOf } from '../../src/model/tools';

const c = (comm: string, argv: string[] | null = null, ttyNr = 0) => classifyProcess({ pid: 4242, comm, argv, ttyNr });

test('every name belongs to one entry, and every entry has sources and a family', () => {
  const names = TOOLS.flatMap((t) => t.names);
  expect(new Set(names).size).toBe(names.length);
  for (const t of TOOLS) {
    expect(t.sources.length).toBeGreaterThan(0);
    expect(t.family).toMatch(/^[a-z-]+$/);
  }
});

test('keepers, supervisors, wrappers, schedulers and runners classify by the table', () => {
  expect(c('dtach', ['dtach', '-n', '/tmp/s', 'sleep', '9'])).toMatchObject({ kind: 'keeper', tool: 'dtach' });
  expect(c('dtach', ['dtach', '-a', '/tmp/s'], 34816)).toMatchObject({ kind: 'other', tool: 'dtach' });
  expect(c('supervisord', ['/usr/bin/python3', '/usr/bin/supervisord'])).toMatchObject({ kind: 'supervisor' });
  expect(c('PM2 v7.0.4: God', ['PM2 v7.0.4: God Daemon (/root/.pm2)'])).toMatchObject({
    kind: 'supervisor',
    tool: 'pm2',
  });
  expect(c('runsv', ['runsv', 'svc'])).toMatchObject({ kind: 'supervisor', tool: 'runsv' });
  expect(c('sudo', ['sudo', '-u', 'nobody', 'sleep'])).toMatchObject({ kind: 'wrapper', tool: 'sudo' });
  expect(c('timeout', ['timeout', '9', 'sleep'])).toMatchObject({ kind: 'wrapper', tool: 'timeout' });
  expect(c('atd', ['/usr/sbin/atd', '-f'])).toMatchObject({ kind: 'cron', tool: 'atd' });
  expect(c('cron', ['/usr/sbin/CRON', '-f'])).toMatchObject({ kind: 'cron', label: 'cron' });
  expect(c('parallel', ['/usr/bin/perl', '/usr/bin/parallel'])).toMatchObject({ kind: 'job-runner' });
  expect(c('tini', ['tini', '--', 'sleep'])).toMatchObject({ kind: 'container-init' });
  expect(c('nohup', ['nohup', 'x'])).toMatchObject({ kind: 'nohup', label: 'nohup wrapper' });
  expect(c('bash', ['bash', '-c', 'x'])).toMatchObject({ kind: 'shell', tool: 'shell' });
  expect(c('sleep', ['sleep', '9'])).toEqual({ kind: 'other', label: 'sleep' });
});

test('traits the rules read are the ones measured', () => {
  const t = (id: string) => TOOLS.find((x) => x.id === id)?.traits;
  expect(t('supervisord')?.stopsChildrenOnOwnStop).toBe(true);
  expect(t('daemontools-supervise')?.stopsChildrenOnOwnStop).toBe(false);
  expect(t('cron')?.reapsOnly).toBe(true);
  expect(t('xargs')?.reapsOnly).toBe(true);
  expect(t('dtach')?.detachable).toBe(true);
  expect(toolOf({ comm: 'x', argv: ['-bash'] })?.id).toBe('shell');
});
