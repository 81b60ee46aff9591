/** Host fact parsers: /proc/stat btime, /proc/uptime, single-value sysctl files. */

/** `btime N` from /proc/stat (seconds since the epoch), or null. */
export function parseBootTime(procStat: string): number | null {
  if (typeof procStat !== 'string') return null;
  const m = /^btime\s+(\d+)\s*$/m.exec(procStat);
  return m ? Number(m[1]) : null;
}

/** First number of /proc/uptime (seconds since boot), or null. */
export function parseUptime(text: string): number | null {
  if (typeof text !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s/.exec(`${text} `);
  return m ? Number(m[1]) : null;
}

/** A sysctl holding one integer (pid_max), or null. */
export function parseIntFile(text: string): number | null {
  if (typeof text !== 'string') return null;
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

/** A sysctl holding one line of text (boot_id, osrelease), or null when empty. */
export function parseLineFile(text: string): string | null {
  if (typeof text !== 'string') return null;
  const t = text.trim();
  return t === '' || t.includes('\n') ? null : t;
}

/** /proc/PID/cmdline -> argv (NUL separated; the trailing NUL is not an empty argument). */
export function parseCmdline(text: string): string[] {
  if (typeof text !== 'string' || text === '') return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** parseCmdline(text)[0] without splitting the whole command line (by name, every process's is asked). */
export function parseArgv0(text: string): string | null {
  if (typeof text !== 'string' || text === '') return null;
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** `flags:` of /proc/PID/fdinfo/N (octal) -> open access mode of a pipe end. */
export function parseFdinfoMode(text: string): 'r' | 'w' | '?' {
  if (typeof text !== 'string') return '?';
  const m = /^flags:\s*([0-7]+)\s*$/m.exec(text);
  if (!m) return '?';
  const acc = parseInt(m[1], 8) & 3;
  return acc === 0 ? 'r' : acc === 1 ? 'w' : '?';
}
