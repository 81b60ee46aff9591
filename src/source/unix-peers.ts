/**
 * The peer of a connected UNIX socket. /proc/net/unix lists sockets but not whom they are connected to;
 * the kernel's sock_diag netlink interface does (net/unix/diag.c sk_diag_dump_peer, UNIX_DIAG_PEER), and
 * `ss -x` (iproute2) prints it as the peer "port". A socketpair's two ends are each other's peers: Node's
 * default `spawn` stdio (libuv uv_spawn -> uv_socketpair) gives a child exactly that, with the other end
 * in the parent.
 *
 * `ss -xaH` columns: Netid State Recv-Q Send-Q Local-Address Local-Port(inode) Peer-Address Peer-Port(inode).
 * Addresses are socket names another user chooses (hostile): a line is trusted only when it has exactly
 * those eight fields, and an inode that appears on two lines (a name forging a line) has no known peer.
 */
import type { Read } from './types';
import { ok } from './types';

export function parseUnixPeers(text: string): Map<number, number> {
  const peers = new Map<number, number>();
  const conflicted = new Set<number>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 8 || !/^u_(str|seq|dgr)$/.test(f[0])) continue;
    if (!/^\d+$/.test(f[5]) || !/^\d+$/.test(f[7])) continue;
    const local = Number(f[5]);
    const peer = Number(f[7]);
    if (peers.has(local) || conflicted.has(local)) {
      peers.delete(local);
      conflicted.add(local);
      continue;
    }
    if (peer > 0) peers.set(local, peer);
  }
  return peers;
}

/** Every connected UNIX socket's peer inode (from `ss`, through the source's command runner). */
export function readUnixPeers(
  command: (argv: readonly string[], timeoutMs?: number) => Read<string>,
): Read<Map<number, number>> {
  const r = command(['ss', '-xaH'], 5000);
  return r.ok ? ok(parseUnixPeers(r.value)) : r;
}
