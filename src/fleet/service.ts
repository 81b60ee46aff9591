/**
 * A death's service: what an operator deploys and queries by. The Kubernetes container name; else the
 * systemd unit in its cgroup path (`/system.slice/api.service` -> api, innermost .service first); else a
 * slice of its own (`/api.slice` -> api); else its comm. The same for the textfile's `service` label, the
 * alert rules (deploy/prometheus/) and `whydied scan --deaths`. Pure.
 */
const SERVICE = /^(.+)\.service$/;
const SLICE = /^(.+)\.slice$/;
// Slices systemd and the kubelet make for everyone: not a service of their own.
const SHARED_SLICES = new Set(['-.slice', 'system.slice', 'user.slice', 'machine.slice', 'init.scope']);

export function serviceOf(d: { containerName: string | null; cgroup: string | null; comm: string }): string {
  if (d.containerName) return d.containerName;
  const parts = (d.cgroup ?? '').split('/').filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    const m = SERVICE.exec(parts[i]);
    if (m) return m[1];
  }
  const leaf = parts[parts.length - 1];
  const s =
    leaf && !SHARED_SLICES.has(leaf) && !leaf.startsWith('user-') && !leaf.startsWith('kubepods')
      ? SLICE.exec(leaf)
      : null;
  return s ? s[1] : d.comm;
}
