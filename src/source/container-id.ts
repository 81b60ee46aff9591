/**
 * Container identity from a cgroup path and /proc/PID/status: the runtime and container id (docker,
 * containerd, cri-o, podman), the Kubernetes pod uid (and QoS class) where the path carries it, and the pid
 * namespace view (NSpid). Pure parsers: the path and status text come from the caller.
 *
 * Paths recognised (cgroupfs and systemd drivers):
 *   /docker/<id>                                   /system.slice/docker-<id>.scope
 *   /kubepods/<qos>/pod<uid>/<id>                  /kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope
 *   .../crio-<id>.scope                            .../cri-containerd-<id>.scope   .../containerd-<id>.scope
 *   /machine.slice/libpod-<id>.scope               /libpod_parent/libpod-<id>
 * The container *name* is not in any of these paths (only the runtime knows it): always null here.
 */
export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'kubernetes';

// A type alias, not an interface: it travels as report evidence (a JSON value).
export type ContainerIdentity = {
  runtime: ContainerRuntime;
  /** 64 hex (or what the runtime put there); null when only the pod is known. */
  id: string | null;
  pod: { uid: string; qos: string | null } | null;
  /** Kubernetes container name: not carried by cgroup paths, so null unless a runtime API adds it. */
  name: string | null;
};

const ID = '([0-9a-f]{12,64})';
const SCOPES: Array<[RegExp, ContainerRuntime]> = [
  [new RegExp(`(?:^|/)docker-${ID}\\.scope$`), 'docker'],
  [new RegExp(`(?:^|/)cri-containerd-${ID}\\.scope$`), 'containerd'],
  [new RegExp(`(?:^|/)containerd-${ID}\\.scope$`), 'containerd'],
  [new RegExp(`(?:^|/)crio-(?:conmon-)?${ID}\\.scope$`), 'cri-o'],
  [new RegExp(`(?:^|/)libpod-(?:conmon-)?${ID}(?:\\.scope)?(?:/container)?$`), 'podman'],
  [new RegExp(`(?:^|/)docker/${ID}$`), 'docker'],
];
const POD_SYSTEMD = /kubepods(?:-([a-z]+))?-pod([0-9a-f_]{36})\.slice/;
const POD_CGROUPFS = /(?:^|\/)kubepods(?:\/([a-z]+))?\/pod([0-9a-f-]{36})(?:\/|$)/;

export function containerFromCgroup(cgroupPath: string | null): ContainerIdentity | null {
  if (!cgroupPath) return null;
  // A path may end in a sub-cgroup the container made for itself (`.../<id>/init.scope`): test every prefix.
  const parts = cgroupPath.split('/');
  let runtime: ContainerRuntime | null = null;
  let id: string | null = null;
  for (let n = parts.length; n > 0 && !id; n--) {
    const prefix = parts.slice(0, n).join('/');
    for (const [re, rt] of SCOPES) {
      const m = re.exec(prefix);
      if (m) {
        runtime = rt;
        id = m[1];
        break;
      }
    }
  }
  let pod: ContainerIdentity['pod'] = null;
  const ps = POD_SYSTEMD.exec(cgroupPath);
  const pc = POD_CGROUPFS.exec(cgroupPath);
  if (ps) pod = { uid: ps[2].replace(/_/g, '-'), qos: ps[1] ?? 'guaranteed' };
  else if (pc) pod = { uid: pc[2], qos: pc[1] ?? 'guaranteed' };
  if (pod && !id) {
    // cgroupfs driver: the container id is the bare last component under the pod.
    const m = new RegExp(`/pod${pod.uid}/${ID}$`).exec(cgroupPath);
    if (m) id = m[1];
  }
  if (pod)
    return {
      runtime: runtime === 'docker' || runtime === null ? (runtime ?? 'kubernetes') : runtime,
      id,
      pod,
      name: null,
    };
  return runtime ? { runtime, id, pod: null, name: null } : null;
}

/** NSpid from /proc/PID/status: the pid in each nested namespace, outermost first; null without the line. */
export function parseNsPid(statusText: string): number[] | null {
  const m = /^NSpid:\s*([\d\s]+)$/m.exec(statusText);
  if (!m) return null;
  const pids = m[1].trim().split(/\s+/).map(Number);
  return pids.length > 0 && pids.every((n) => Number.isInteger(n) && n > 0) ? pids : null;
}
