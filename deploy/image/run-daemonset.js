#!/usr/bin/env node
/**
 * The DaemonSet's container spec as a podman command line: what the kubelet would ask of the node's runtime,
 * for a node without one (and for test/fleet/image.test.ts, which runs it). Translated, not approximated:
 * an unknown field in the pod or container spec is an error, so the spec and this mapping cannot drift.
 *
 *   node deploy/image/run-daemonset.js [--map HOSTPATH=LOCAL]... [--env NAME=VALUE]... [--image NAME] [--name N]
 *     prints the arguments to `podman run`, one per line (NUL-free; paths are the user's).
 *
 * hostPID -> --pid=host; securityContext -> --cap-drop/--cap-add, --read-only, no-new-privileges,
 * --user; hostPath volumes -> -v (a --map swaps a host path for a test's own directory);
 * env (value, or fieldRef spec.nodeName -> --env given, else this host's name) -> -e; args -> the command.
 * seccompProfile RuntimeDefault is podman's default profile; resources.limits.memory -> --memory.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const POD_KEYS = new Set([
  'hostPID',
  'priorityClassName',
  'tolerations',
  'automountServiceAccountToken',
  'terminationGracePeriodSeconds',
  'containers',
  'volumes',
]);
const CONTAINER_KEYS = new Set([
  'name',
  'image',
  'imagePullPolicy',
  'args',
  'env',
  'securityContext',
  'resources',
  'volumeMounts',
]);

function fail(msg) {
  throw new Error(`run-daemonset: ${msg}`);
}

/** @returns {string[]} the arguments after `podman run`. */
function podmanArgs(ds, opts = {}) {
  const pod = ds.spec.template.spec;
  for (const k of Object.keys(pod)) if (!POD_KEYS.has(k)) fail(`pod spec field ${k} has no podman mapping`);
  if (pod.containers.length !== 1) fail('one container expected');
  const c = pod.containers[0];
  for (const k of Object.keys(c)) if (!CONTAINER_KEYS.has(k)) fail(`container field ${k} has no podman mapping`);
  const map = opts.map || {};
  const env = opts.env || {};
  const a = [];
  if (opts.name) a.push('--name', opts.name);
  if (pod.hostPID) a.push('--pid=host');
  const sc = c.securityContext || {};
  if (sc.privileged) a.push('--privileged');
  if (sc.runAsUser !== undefined) a.push('--user', String(sc.runAsUser));
  if (sc.readOnlyRootFilesystem) a.push('--read-only');
  if (sc.allowPrivilegeEscalation === false) a.push('--security-opt', 'no-new-privileges');
  for (const cap of (sc.capabilities && sc.capabilities.drop) || []) a.push(`--cap-drop=${cap}`);
  for (const cap of (sc.capabilities && sc.capabilities.add) || []) a.push(`--cap-add=${cap}`);
  if (sc.seccompProfile && sc.seccompProfile.type !== 'RuntimeDefault') fail('only the runtime default seccomp profile');
  const mem = c.resources && c.resources.limits && c.resources.limits.memory;
  if (mem) {
    const m = /^(\d+)(Mi|Gi)$/.exec(mem);
    if (!m) fail(`memory limit ${mem}`);
    a.push(`--memory=${m[1]}${m[2] === 'Mi' ? 'm' : 'g'}`);
  }
  const vols = new Map(pod.volumes.map((v) => [v.name, v]));
  for (const m of c.volumeMounts) {
    const v = vols.get(m.name);
    if (!v || !v.hostPath) fail(`volume ${m.name} is not a hostPath`);
    const host = map[v.hostPath.path] || v.hostPath.path;
    if (v.hostPath.type === 'DirectoryOrCreate') fs.mkdirSync(host, { recursive: true, mode: 0o755 });
    else if (!fs.statSync(host).isDirectory()) fail(`${host} is not a directory`);
    a.push('-v', `${host}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
  }
  for (const e of c.env || []) {
    let value = e.value;
    if (e.valueFrom) {
      if (!e.valueFrom.fieldRef || e.valueFrom.fieldRef.fieldPath !== 'spec.nodeName') fail(`env ${e.name}: only spec.nodeName`);
      value = env[e.name] !== undefined ? env[e.name] : os.hostname();
    } else if (env[e.name] !== undefined) value = env[e.name];
    a.push('-e', `${e.name}=${value}`);
  }
  a.push(opts.image || c.image, ...(c.args || []));
  return a;
}

module.exports = { podmanArgs };

if (require.main === module) {
  const { parse } = require('yaml');
  const argv = process.argv.slice(2);
  const opts = { map: {}, env: {} };
  for (let i = 0; i < argv.length; i++) {
    const [flag, val] = [argv[i], argv[i + 1]];
    if (val === undefined) fail(`${flag} needs a value`);
    i++;
    const eq = val.indexOf('=');
    if (flag === '--map' && eq > 0) opts.map[val.slice(0, eq)] = val.slice(eq + 1);
    else if (flag === '--env' && eq > 0) opts.env[val.slice(0, eq)] = val.slice(eq + 1);
    else if (flag === '--image') opts.image = val;
    else if (flag === '--name') opts.name = val;
    else fail(`unknown argument ${flag}`);
  }
  const ds = parse(fs.readFileSync(path.join(__dirname, '..', 'daemonset.yaml'), 'utf8'));
  process.stdout.write(podmanArgs(ds, opts).join('\n') + '\n');
}
