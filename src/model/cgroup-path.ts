/**
 * What a cgroup path says about who manages the process: a login session scope, the user manager, a
 * system service, a container runtime, a transient scope. Launch knowledge: the runtimes' path shapes.
 */
export type CgroupKind = 'session-scope' | 'user-manager' | 'service' | 'container' | 'user-scope' | 'none';

export interface CgroupClass {
  kind: CgroupKind;
  unit: string | null;
  sessionId: string | null;
  uid: number | null;
}

/**
 * The service a cgroup class names and which manager holds it: a system service, or a user service under
 * user@UID.service (not that manager's own unit); null for anything else (a scope, a slice, a session).
 */
export function serviceUnitOf(
  c: Pick<CgroupClass, 'kind' | 'unit' | 'uid'>,
): { unit: string; manager: 'system' } | { unit: string; manager: 'user'; uid: number } | null {
  const unit = c.unit;
  if (!unit || !unit.endsWith('.service')) return null;
  if (c.kind === 'service') return { unit, manager: 'system' };
  if (c.kind === 'user-manager' && c.uid !== null && unit !== `user@${c.uid}.service`)
    return { unit, manager: 'user', uid: c.uid };
  return null;
}

/** Container runtimes' cgroup paths: docker, podman, cri-o, containerd, kubepods, lxc, machined, GitHub's job containers. */
const CONTAINER_PATH =
  /\/(docker|libpod|crio|cri-containerd|containerd)[-/]|\/kubepods|\/lxc[./]|\/lxc\.payload|\/machine\.slice\/|\/actions_job\//;

export function classifyCgroupPath(path: string): CgroupClass {
  const session = /\/session-([^/]+)\.scope(\/|$)/.exec(path);
  const userUnit = /\/user@(\d+)\.service(\/|$)/.exec(path);
  if (CONTAINER_PATH.test(path)) return { kind: 'container', unit: null, sessionId: null, uid: null };
  if (session) return { kind: 'session-scope', unit: `session-${session[1]}.scope`, sessionId: session[1], uid: null };
  if (userUnit) {
    const inner = /\/([^/]+\.(service|scope))(\/[^/]*)?$/.exec(path);
    return {
      kind: 'user-manager',
      unit: inner ? inner[1] : `user@${userUnit[1]}.service`,
      sessionId: null,
      uid: parseInt(userUnit[1], 10),
    };
  }
  const svc = /\/([^/]+\.service)(\/|$)/.exec(path);
  if (svc) return { kind: 'service', unit: svc[1], sessionId: null, uid: null };
  const scope = /\/([^/]+\.scope)(\/|$)/.exec(path);
  if (scope) return { kind: 'user-scope', unit: scope[1], sessionId: null, uid: null };
  return { kind: 'none', unit: null, sessionId: null, uid: null };
}

/** Which path decides when a process sits in several hierarchies (v1): the most specific manager wins. */
export const CGROUP_RANK: Record<CgroupKind, number> = {
  container: 5,
  'session-scope': 4,
  'user-manager': 3,
  service: 2,
  'user-scope': 1,
  none: 0,
};
