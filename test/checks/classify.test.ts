import { classifyProcess, type ClassifyInput } from '../../src/model/classify';

const c = (over: Partial<ClassifyInput>): string =>
  classifyProcess({ pid: 100, comm: 'x', argv: null, ttyNr: 0, ...over }).kind;

test('shells: interactive vs non-interactive', () => {
  expect(c({ comm: 'bash', argv: ['-bash'], ttyNr: 34816 })).toBe('interactive-shell');
  expect(c({ comm: 'bash', argv: ['bash', '-i'] })).toBe('interactive-shell');
  expect(c({ comm: 'bash', argv: ['bash', '--norc', '-il'] })).toBe('interactive-shell');
  expect(c({ comm: 'bash', argv: ['bash'], ttyNr: 34817 })).toBe('interactive-shell');
  expect(c({ comm: 'bash', argv: ['bash', '-c', 'sleep 1'], ttyNr: 34817 })).toBe('shell');
  expect(c({ comm: 'sh', argv: ['/bin/sh', '-ec', 'x'] })).toBe('shell');
  expect(c({ comm: 'bash', argv: ['bash', '/tmp/deploy.sh'], ttyNr: 34817 })).toBe('shell');
  expect(c({ comm: 'bash', argv: ['bash', '-o', 'pipefail', 'x.sh'] })).toBe('shell');
  expect(c({ comm: 'dash', argv: ['sh'] })).toBe('shell');
  expect(c({ comm: 'zsh', argv: ['zsh'], ttyNr: 1 })).toBe('interactive-shell');
});

test('terminal holders, managers, runners and wrappers', () => {
  expect(c({ comm: 'tmux: server', argv: ['tmux', 'new', '-d'] })).toBe('tmux-server');
  expect(c({ comm: 'tmux: client', argv: ['tmux'], ttyNr: 5 })).toBe('tmux-client');
  expect(c({ comm: 'screen', argv: ['SCREEN', '-dmS', 'x'] })).toBe('screen-server');
  expect(c({ comm: 'screen', argv: ['screen', '-r'], ttyNr: 5 })).toBe('screen-client');
  expect(c({ comm: 'sshd', argv: ['sshd: alice@pts/0'] })).toBe('sshd');
  expect(c({ comm: 'sshd-session', argv: ['sshd-session: alice [priv]'] })).toBe('sshd');
  expect(c({ comm: 'gnome-terminal-', argv: ['/usr/libexec/gnome-terminal-server'] })).toBe('terminal-emulator');
  expect(c({ pid: 1, comm: 'systemd', argv: ['/sbin/init'] })).toBe('systemd');
  expect(c({ pid: 1, comm: 'tini', argv: ['tini', '--', 'app'] })).toBe('container-init');
  expect(c({ pid: 1, comm: 'process_api', argv: ['/process_api'] })).toBe('init');
  expect(c({ comm: 'systemd', argv: ['/lib/systemd/systemd', '--user'] })).toBe('systemd-user');
  expect(c({ comm: 'containerd-shim', argv: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby'] })).toBe(
    'container-init',
  );
  expect(c({ comm: 'conmon', argv: ['/usr/bin/conmon'] })).toBe('container-init');
  expect(c({ comm: 'Runner.Worker', argv: ['/home/runner/bin/Runner.Worker', 'spawnclient'] })).toBe('ci-runner');
  expect(c({ comm: 'gitlab-runner', argv: ['gitlab-runner', 'run'] })).toBe('ci-runner');
  expect(c({ comm: 'java', argv: ['java', '-jar', '/var/jenkins/agent.jar'] })).toBe('ci-runner');
  expect(c({ comm: 'java', argv: ['java', '-jar', 'app.jar'] })).toBe('other');
  expect(c({ comm: 'cron', argv: ['/usr/sbin/CRON', '-f'] })).toBe('cron');
  expect(c({ comm: 'nohup', argv: ['nohup', 'x'] })).toBe('nohup');
  expect(c({ comm: 'setsid', argv: ['setsid', '-w', 'x'] })).toBe('setsid');
  expect(c({ comm: 'script', argv: ['script', '-qfc', 'bash'] })).toBe('script');
  expect(c({ comm: 'kthreadd', kernelThread: true })).toBe('kernel-thread');
});

test('hostile names never throw and fall back to other', () => {
  expect(c({ comm: 'a)\n\x1b', argv: ['\x1b[31m', ''] })).toBe('other');
  expect(c({ comm: '', argv: [] })).toBe('other');
});
