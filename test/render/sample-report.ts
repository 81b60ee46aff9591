import type { Report } from '../../src/engine/types';

/** A fixed report with hostile process data: terminal escapes, newlines, C1 and bidi controls. */
export const HOSTILE_COMM = 'evil\u001b[2J\nname';
export const HOSTILE_ARG = 'arg with space\r\u001b]0;pwned\u0007\u009b31m\u202e|<b>`x`';

export function sampleReport(over: Partial<Report> = {}): Report {
  return {
    schema: 'whydied.report/2',
    generatedAt: '2024-05-01T12:00:00.000Z',
    host: { hostname: 'box', kernel: '6.1.0', bootId: '0f0e-boot', bootTime: '2024-05-01T00:00:00.000Z' },
    target: { query: '4242', pid: 4242 },
    state: 'alive',
    process: {
      pid: 4242,
      ppid: 4100,
      pgid: 4100,
      sid: 4000,
      tty: 'pts/3',
      tpgid: 4100,
      comm: HOSTILE_COMM,
      argv: ['/usr/bin/worker', HOSTILE_ARG, ''],
      exe: '/usr/bin/worker\u001b[31m',
      cwd: '/home/u/dir\nx',
      uid: 1000,
      startTime: '2024-05-01T11:00:00.000Z',
      state: 'S',
    },
    verdict: { status: 'at-risk', summary: `it dies when the terminal hangs up (${HOSTILE_COMM})`, cause: null },
    risks: [
      {
        event: 'terminal-hangup',
        code: 'hangup.session-leader',
        outcome: 'dies',
        confidence: 'certain',
        reason: 'SIGHUP not ignored; pts/3 held by sshd\u001b[0m',
      },
      {
        event: 'parent-exit',
        code: 'parent.reparented',
        outcome: 'survives',
        confidence: 'certain',
        reason: 'reparented to init',
      },
      {
        event: 'memory-pressure',
        code: 'memory.unread',
        outcome: 'unknown',
        confidence: 'possible',
        reason: 'no cgroup limit',
      },
    ],
    checks: [
      {
        id: 'existence',
        title: 'Existence',
        status: 'pass',
        code: 'alive',
        summary: 'alive',
        details: ['state S'],
        evidence: { state: 'S' },
        durationMs: 0.4,
      },
      {
        id: 'signals',
        title: 'Signals',
        status: 'warn',
        code: 'sighup-default',
        summary: 'SIGHUP is not ignored',
        details: [`detail with \u001b[1m escape and ${HOSTILE_ARG}`],
        evidence: { sigIgn: '0x0' },
        remedy: { text: 'detach it', commands: ["setsid -f /usr/bin/worker 'x'"] },
        durationMs: 1.25,
      },
      {
        id: 'acme/probe',
        title: 'Acme',
        status: 'error',
        code: 'check-crashed',
        summary: 'check crashed: boom',
        details: [],
        evidence: {},
        durationMs: 2,
      },
    ],
    remedy: [`setsid -f /usr/bin/worker $'arg\\x1b' </dev/null >>/tmp/w.log 2>&1`, 'tmux new -d -s w ```danger```'],
    remedySteps: [
      { kind: 'relaunch-detached', command: `setsid -f /usr/bin/worker $'arg\\x1b' </dev/null >>/tmp/w.log 2>&1` },
      { kind: 'tmux-session', command: 'tmux new -d -s w ```danger```' },
    ],
    ...over,
  };
}
