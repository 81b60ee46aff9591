/**
 * Signal numbers and names (x86/arm generic numbering, which is what every mainstream Linux uses).
 * Real-time signals are named from the kernel's SIGRTMIN (32), not glibc's (34): glibc reserves 32
 * and 33 for itself but they are still bits in /proc masks, and naming every bit keeps decoding
 * lossless (decode -> names -> numbers gives back the same mask).
 */

const CLASSIC: readonly string[] = [
  '',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

export const SIGRTMIN = 32;
export const SIGRTMAX = 64;

/** Aliases accepted by signalNumber (never produced by signalName). */
const ALIASES: Readonly<Record<string, number>> = { SIGIOT: 6, SIGPOLL: 29, SIGCLD: 17, SIGRTMAX: SIGRTMAX };

/** `SIGHUP` for 1, `SIGRTMIN+3` for 35; `SIG<n>` for numbers outside 1..64. */
export function signalName(n: number): string {
  if (Number.isInteger(n) && n >= 1 && n < SIGRTMIN) return CLASSIC[n];
  if (Number.isInteger(n) && n >= SIGRTMIN && n <= SIGRTMAX) {
    return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  }
  return `SIG${n}`;
}

/** Number of a signal name: `SIGHUP`, `HUP`, `hup`, `SIGRTMIN+2`, `SIGRTMAX-1`, `9`. Null if unknown. */
export function signalNumber(name: string): number | null {
  const upper = name.trim().toUpperCase();
  if (/^\d+$/.test(upper)) {
    const n = Number(upper);
    return n >= 1 && n <= SIGRTMAX ? n : null;
  }
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const classic = CLASSIC.indexOf(full);
  if (classic > 0) return classic;
  if (full in ALIASES) return ALIASES[full];
  const rt = /^SIGRT(MIN|MAX)([+-]\d+)?$/.exec(full);
  if (rt) {
    const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
    const n = base + (rt[2] ? Number(rt[2]) : 0);
    return n >= SIGRTMIN && n <= SIGRTMAX ? n : null;
  }
  const numbered = /^SIG(\d+)$/.exec(full);
  if (numbered) {
    const n = Number(numbered[1]);
    return n >= 1 && n <= SIGRTMAX ? n : null;
  }
  return null;
}

/** Names of the signals set in a /proc mask (bit n-1 = signal n), in signal-number order. */
export function decodeSignalMask(mask: bigint): string[] {
  const out: string[] = [];
  for (let n = 1; n <= SIGRTMAX; n++) {
    if ((mask >> BigInt(n - 1)) & 1n) out.push(signalName(n));
  }
  return out;
}

/** Inverse of decodeSignalMask (unknown names are ignored). */
export function encodeSignalMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const name of names) {
    const n = signalNumber(name);
    if (n !== null) mask |= 1n << BigInt(n - 1);
  }
  return mask;
}
