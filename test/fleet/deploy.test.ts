/**
 * The deployment files parse and say what they promise: the DaemonSet (YAML, parsed strictly by the `yaml`
 * package) runs the recorder with host pids, only the two capabilities tracefs and /proc need, tracefs and
 * the textfile directory mounted; the systemd unit (parsed as systemd's INI) is hardened the same way. Both
 * command lines are accepted by the built CLI. (systemd-analyze verify needs the systemd container: issue 9.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { spawnSync } from 'child_process';
import * as os from 'os';
import { runCli } from '../helpers/processes';

const DEPLOY = path.resolve(__dirname, '../../deploy');

/** systemd unit syntax: [Section], Key=Value, comments; a key may repeat. Anything else is an error. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | null = null;
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const sec = /^\[([A-Za-z]+)\]$/.exec(line);
    if (sec) {
      if (out.has(sec[1])) throw new Error(`line ${i + 1}: section [${sec[1]}] twice`);
      out.set(sec[1], (section = new Map()));
      return;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!kv || !section) throw new Error(`line ${i + 1}: not a unit line: ${line}`);
    if (/\s$/.test(line)) throw new Error(`line ${i + 1}: trailing whitespace`);
    section.set(kv[1], [...(section.get(kv[1]) ?? []), kv[2]]);
  });
  return out;
}

/** The CLI accepts these record arguments (the output list is validated before --print-unit prints). */
function cliAccepts(args: string[]): void {
  const r = runCli([...args, '--print-unit']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

describe('systemd unit', () => {
  const unit = parseUnit(fs.readFileSync(path.join(DEPLOY, 'whydied-record.service'), 'utf8'));
  const svc = unit.get('Service') as Map<string, string[]>;
  const one = (k: string): string | undefined => svc.get(k)?.[svc.get(k)!.length - 1];

  it('has the three sections and runs the recorder in the foreground with its outputs', () => {
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    const exec = (one('ExecStart') as string).split(' ');
    expect(exec.slice(0, 2)).toEqual(['/usr/bin/whydied', 'record']);
    expect(exec).not.toContain('--daemon');
    cliAccepts(exec.slice(1));
  });

  it('is hardened: capabilities limited to what tracefs and /proc need, a read-only system', () => {
    expect((one('CapabilityBoundingSet') as string).split(' ').sort()).toEqual([
      'CAP_DAC_READ_SEARCH',
      'CAP_SYS_ADMIN',
    ]);
    expect(one('AmbientCapabilities')).toBe('');
    expect(one('ProtectSystem')).toBe('strict');
    for (const k of [
      'NoNewPrivileges',
      'ProtectHome',
      'PrivateTmp',
      'PrivateDevices',
      'ProtectKernelModules',
      'ProtectControlGroups',
      'RestrictSUIDSGID',
      'LockPersonality',
    ]) {
      expect([k, one(k)]).toEqual([k, 'yes']);
    }
    expect(one('RestrictAddressFamilies')).toBe('AF_UNIX');
    // /sys must stay writable for tracefs.
    expect(svc.has('ProtectKernelTunables')).toBe(false);
    expect(one('SuccessExitStatus')).toBe('143');
    // The textfile directory the outputs write to is writable under ProtectSystem=strict.
    const prom = /prom=([^, ]+)/.exec(one('ExecStart') as string)?.[1];
    // (`-`: a directory node_exporter has not made yet is no reason to fail the unit's start.)
    expect(one('ReadWritePaths')?.split(' ')).toContain(`-${prom}`);
  });
});

describe('DaemonSet', () => {
  const docs = parseAllDocuments(fs.readFileSync(path.join(DEPLOY, 'daemonset.yaml'), 'utf8'), {
    strict: true,
    uniqueKeys: true,
    prettyErrors: true,
  });
  type Obj = Record<string, unknown>;
  const ds = (): Obj => {
    expect(Array.isArray(docs)).toBe(true);
    const list = docs as Array<{ errors: unknown[]; warnings: unknown[]; toJS(): unknown }>;
    expect(list).toHaveLength(1);
    expect(list[0].errors).toEqual([]);
    expect(list[0].warnings).toEqual([]);
    return list[0].toJS() as Obj;
  };

  it('is an apps/v1 DaemonSet whose selector matches its pods', () => {
    const d = ds() as {
      apiVersion: string;
      kind: string;
      spec: { selector: { matchLabels: Obj }; template: { metadata: { labels: Obj } } };
    };
    expect([d.apiVersion, d.kind]).toEqual(['apps/v1', 'DaemonSet']);
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
  });

  it('runs the recorder with host pids, two capabilities, a read-only root, and every mount backed by a volume', () => {
    const pod = (ds() as { spec: { template: { spec: Obj } } }).spec.template.spec as {
      hostPID: boolean;
      containers: Array<{
        image: string;
        args: string[];
        securityContext: Obj & { capabilities: { drop: string[]; add: string[] } };
        volumeMounts: Array<{ name: string; mountPath: string }>;
      }>;
      volumes: Array<{ name: string; hostPath: { path: string } }>;
    };
    expect(pod.hostPID).toBe(true);
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.image).toMatch(/:\d+\.\d+\.\d+$/);
    expect(c.args[0]).toBe('record');
    cliAccepts(c.args);
    expect(c.securityContext).toMatchObject({
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
    expect([...c.securityContext.capabilities.add].sort()).toEqual(['DAC_READ_SEARCH', 'SYS_ADMIN']);
    const vols = new Map(pod.volumes.map((v) => [v.name, v.hostPath.path]));
    for (const m of c.volumeMounts) expect(vols.has(m.name)).toBe(true);
    expect(c.volumeMounts.find((m) => m.mountPath === '/sys/kernel/tracing')).toBeDefined();
    // The textfile output goes to a mounted host directory, and jsonl to stdout (the container log).
    const out = c.args[c.args.indexOf('--output') + 1].split(',');
    expect(out).toContain('jsonl');
    const prom = out.find((o) => o.startsWith('prom='))?.slice(5);
    expect(c.volumeMounts.map((m) => m.mountPath)).toContain(prom);
  });
});

describe('DaemonSet against the Kubernetes schema (kubernetes-models, deploy/validate-k8s.mjs)', () => {
  const validate = (file: string): { status: number | null; out: string } => {
    const r = spawnSync(process.execPath, [path.join(DEPLOY, 'validate-k8s.mjs'), file], {
      encoding: 'utf8',
      timeout: 30000,
    });
    return { status: r.status, out: r.stdout + r.stderr };
  };

  it('is valid', () => {
    const r = validate(path.join(DEPLOY, 'daemonset.yaml'));
    expect(r.out).toBe(`${path.join(DEPLOY, 'daemonset.yaml')} #1: DaemonSet whydied-recorder: valid\n`);
    expect(r.status).toBe(0);
  });

  it('a wrong type, a missing required field or an unknown field is caught (the validator can fail)', () => {
    const text = fs.readFileSync(path.join(DEPLOY, 'daemonset.yaml'), 'utf8');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-k8s-'));
    try {
      for (const [broken, msg] of [
        [text.replace('hostPID: true', 'hostPID: "yes"'), /hostPID must be boolean/],
        [
          text.replace(/  selector:\n    matchLabels:\n      app.kubernetes.io\/name: whydied-recorder\n/, ''),
          /must have required property selector/,
        ],
        [text.replace('type: Directory', 'type: Folder'), /must be equal to one of the allowed values/],
        // kubectl apply rejects unknown fields (strict field validation): a misspelt key at any depth.
        [text.replace('securityContext:', 'securityContxt:'), /unknown field securityContxt \(not in Container\)/],
        [
          text.replace('hostPID: true', 'hostPID: true\n      hostPid: true'),
          /unknown field hostPid \(not in PodSpec\)/,
        ],
      ] as Array<[string, RegExp]>) {
        expect(broken).not.toBe(text);
        const f = path.join(tmp, 'ds.yaml');
        fs.writeFileSync(f, broken);
        const r = validate(f);
        expect([r.status, r.out]).toEqual([1, expect.stringMatching(msg)]);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('names the image deploy/image/build.sh builds by default, publishes under the node name, redacts argv', () => {
    const pod = (
      parseAllDocuments(fs.readFileSync(path.join(DEPLOY, 'daemonset.yaml'), 'utf8')) as Array<{ toJS(): unknown }>
    )[0].toJS() as {
      spec: {
        template: {
          spec: {
            containers: Array<{
              image: string;
              env: Array<{ name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }>;
              volumeMounts: Array<{ mountPath: string }>;
            }>;
          };
        };
      };
    };
    const c = pod.spec.template.spec.containers[0];
    const version = (JSON.parse(fs.readFileSync(path.join(DEPLOY, '../package.json'), 'utf8')) as { version: string })
      .version;
    expect(c.image).toBe(`localhost/whydied:${version}`);
    expect(fs.readFileSync(path.join(DEPLOY, 'image/build.sh'), 'utf8')).toContain('localhost/whydied:$(node -p');
    expect(c.env.find((e) => e.name === 'WHYDIED_HOSTNAME')?.valueFrom?.fieldRef.fieldPath).toBe('spec.nodeName');
    expect(c.env.find((e) => e.name === 'WHYDIED_REDACT_ARGV')?.value).toBe('1');
    expect(c.volumeMounts.map((m) => m.mountPath)).toEqual(
      expect.arrayContaining(['/sys/kernel/tracing', '/sys/kernel/debug']),
    );
  });
});
