/**
 * `whydied explain VALUE`: what an exit status, a signal or a /proc signal mask means, and what
 * commonly produces it. Pure: text in, lines out.
 */
import { decodeSignalMask, signalName, signalNumber } from '../source/signals';
import { EXIT_CODES, SIGNAL_INFO } from './signals-info';

export interface Explanation {
  /** What the value was read as: `exit-status`, `signal`, `mask` or `wait-status`. */
  kind: 'exit-status' | 'signal' | 'mask' | 'wait-status';
  title: string;
  lines: string[];
}

export class ExplainError extends Error {}

function signalLines(name: string): string[] {
  const n = signalNumber(name);
  const info = SIGNAL_INFO[name];
  const out = [`${name} is signal ${n ?? '?'}${info ? `: ${info.meaning}` : ''}.`];
  if (info) {
    const action = {
      terminate: 'terminates the process',
      core: 'terminates the process and dumps core',
      ignore: 'is ignored',
      stop: 'stops (pauses) the process',
      continue: 'resumes a stopped process',
    }[info.action];
    out.push(`Default action: it ${action}.`);
    out.push('Common causes:', ...info.causes.map((c) => `  - ${c}`));
  } else if (n !== null && n >= 32) {
    out.push(
      'A real-time signal: no standard meaning; the default action terminates the process. Something sent it on purpose (sigqueue or kill).',
    );
  }
  if (name === 'SIGKILL' || name === 'SIGTERM' || name === 'SIGHUP') {
    out.push('To see who sends it next time: whydied watch PID (or whydied record --daemon as root).');
  }
  return out;
}

function exitStatusLines(v: number): Explanation {
  if (v > 128 && v <= 128 + 64) {
    const name = signalName(v - 128);
    return {
      kind: 'exit-status',
      title: `Exit status ${v} = 128 + ${v - 128}: the process was killed by ${name} (the shell's convention for a death by signal).`,
      lines: signalLines(name),
    };
  }
  const known = EXIT_CODES[v];
  const lines = [
    known ? `Usually: ${known}.` : 'A code the program chose itself: its documentation or log says what it means.',
  ];
  if (v >= 1 && v <= 64)
    lines.push(`(As a signal number instead, ${v} is ${signalName(v)}: try whydied explain ${signalName(v)}.)`);
  return {
    kind: 'exit-status',
    title: `Exit status ${v}: the process called exit(${v}) itself${v === 0 ? ' (success)' : ''}.`,
    lines,
  };
}

function maskLines(text: string): Explanation {
  const mask = BigInt(text);
  const names = decodeSignalMask(mask);
  const lines = [names.length > 0 ? `Signals in it: ${names.join(', ')}.` : 'No signals are set in it.'];
  lines.push('Read from /proc/PID/status, it means:');
  lines.push(
    `  SigIgn (ignored): ${names.length ? names.join(', ') : 'nothing'} cannot kill it${names.includes('SIGHUP') ? ' — SIGHUP ignored is what nohup sets' : ''}.`,
  );
  lines.push(
    `  SigCgt (caught): the program has its own handler for ${names.length ? names.join(', ') : 'nothing'}; what happens is up to it.`,
  );
  lines.push(
    `  SigBlk (blocked): ${names.length ? names.join(', ') : 'nothing'} ${names.length === 1 ? 'stays' : 'stay'} pending until unblocked.`,
  );
  if (names.includes('SIGKILL') || names.includes('SIGSTOP'))
    lines.push('SIGKILL and SIGSTOP can never really be ignored, caught or blocked: the kernel does not allow it.');
  return { kind: 'mask', title: `Signal mask ${text}: bit n-1 set means signal n.`, lines };
}

export function explain(raw: string): Explanation {
  const v = raw.trim();
  if (/^0x[0-9a-f]+$/i.test(v) || /^[0-9a-f]{16}$/i.test(v)) {
    if (v.length > 18 && !/^0x0*[0-9a-f]{1,16}$/i.test(v)) throw new ExplainError(`mask ${v} is wider than 64 signals`);
    return maskLines(v.startsWith('0x') || v.startsWith('0X') ? v : `0x${v}`);
  }
  if (/^-?\d+$/.test(v)) {
    const n = Number(v);
    // `kill -9` style and bash's negative codes seen by programs reading them as signed.
    if (n < 0 && -n <= 64)
      return { kind: 'signal', title: `${signalName(-n)} (signal ${-n})`, lines: signalLines(signalName(-n)) };
    if (n >= 0 && n <= 255) return exitStatusLines(n);
    if (n > 255 && n <= 0xffff) {
      // A raw wait status (as in /proc/PID/stat field 52 or strace): low 7 bits signal, next byte code.
      const sig = n & 0x7f;
      if (sig === 0)
        return {
          ...exitStatusLines((n >> 8) & 0xff),
          kind: 'wait-status',
          title: `Wait status ${n}: exited with code ${(n >> 8) & 0xff}.`,
        };
      return {
        kind: 'wait-status',
        title: `Wait status ${n}: killed by ${signalName(sig)}${n & 0x80 ? ' (core dumped)' : ''}.`,
        lines: signalLines(signalName(sig)),
      };
    }
    throw new ExplainError(`${v} is neither an exit status (0-255), a wait status (up to 65535) nor a signal`);
  }
  const n = signalNumber(v);
  if (n !== null && !/^\d/.test(v))
    return { kind: 'signal', title: `${signalName(n)} (signal ${n})`, lines: signalLines(signalName(n)) };
  throw new ExplainError(
    `cannot explain '${v}': give an exit status (137), a signal (SIGKILL, KILL, -9) or a mask (0x0000000000004001)`,
  );
}
