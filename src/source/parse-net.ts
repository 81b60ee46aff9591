/** /proc/net/tcp and /proc/net/tcp6 parser: listening sockets only. */
import type { TcpListener } from './types';

const TCP_LISTEN = '0A';

/** IPv4 address from /proc/net/tcp hex (a 32-bit word in little-endian host order). */
function ipv4(hex: string): string {
  const bytes: number[] = [];
  for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

/** IPv6 from tcp6 hex: four 32-bit words, each in little-endian host order. */
function ipv6(hex: string): string {
  const groups: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const b = [6, 4, 2, 0].map((i) => parseInt(word.slice(i, i + 2), 16));
    groups.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
  }
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  }
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexGroups = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexGroups.join(':');
  return `${hexGroups.slice(0, bestStart).join(':')}::${hexGroups.slice(bestStart + bestLen).join(':')}`;
}

/** LISTEN entries of one /proc/net/tcp or tcp6 text. Malformed lines are skipped. */
export function parseTcpListeners(text: string, family: 'tcp' | 'tcp6'): TcpListener[] {
  if (typeof text !== 'string') return [];
  const addrLen = family === 'tcp' ? 8 : 32;
  const out: TcpListener[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0])) continue;
    if (f[3].toUpperCase() !== TCP_LISTEN) continue;
    const local = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(f[1]);
    if (!local || local[1].length !== addrLen || !/^\d+$/.test(f[9])) continue;
    out.push({
      port: parseInt(local[2], 16),
      inode: Number(f[9]),
      family,
      address: family === 'tcp' ? ipv4(local[1]) : ipv6(local[1]),
    });
  }
  return out;
}
