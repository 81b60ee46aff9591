/**
 * The recorder's systemd unit: ONE text, printed by `whydied record --print-unit` and shipped by the Debian
 * package (scripts/build-deb.sh writes it with this function, and deploy/whydied-record.service is the same
 * text for /usr/bin/whydied: test/cli/record-unit.test.ts compares them). It runs the recorder in the
 * foreground (the service manager supervises it; no --daemon), with absolute paths so it works without PATH.
 * SIGTERM ends it with status 143 after a clean stop, which systemd must count as success.
 */
import { outputDirs, parseOutputs } from '../fleet/outputs';

export interface UnitInput {
  /** What starts whydied: [node, script] or the single executable alone, absolute. */
  command: readonly string[];
  /** --state-dir; default DEFAULT_STATE_DIR. */
  stateDir?: string;
  /** --output; default DEFAULT_OUTPUT. */
  output?: string;
  /** Further recorder options as typed (`--clean-exits`, `--redact-argv`), after the output list. */
  extra?: readonly string[];
}

export const DEFAULT_STATE_DIR = '/var/lib/whydied';
/**
 * The textfile collector directory of Debian's prometheus-node-exporter: its /etc/default/prometheus-node-exporter
 * and its systemd unit pass --collector.textfile.directory=/var/lib/prometheus/node-exporter.
 */
export const NODE_EXPORTER_TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';
export const DEFAULT_OUTPUT = `store,journal,prom=${NODE_EXPORTER_TEXTFILE_DIR}`;

/** systemd's ExecStart= splits on whitespace and honours double quotes; quote only when needed. */
function unitArg(s: string): string {
  // systemd expands `%x` specifiers and `$VAR` in ExecStart=: both are doubled to stay literal.
  const lit = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(lit) ? lit : `"${lit.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A path in ReadWritePaths=: `-` makes a missing one no error (node_exporter may be installed later). */
function rwPath(p: string): string {
  return `-${p.replace(/%/g, '%%').replace(/\s/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
}

/** Directories the outputs write to besides the state dir (prom=DIR), from an --output list (checked before). */
function outputWrites(output: string): string[] {
  return outputDirs(parseOutputs(output, { allowProm: true }));
}

export function renderUnit(u: UnitInput): string {
  const stateDir = u.stateDir ?? DEFAULT_STATE_DIR;
  const output = u.output ?? DEFAULT_OUTPUT;
  const exec = [...u.command, 'record', '--state-dir', stateDir, '--output', output, ...(u.extra ?? [])]
    .map(unitArg)
    .join(' ');
  // StateDirectory= makes /var/lib/whydied (0700, writable under ProtectSystem=strict); another one must
  // be listed as writable.
  const prom = outputWrites(output);
  const writable = [...(stateDir === DEFAULT_STATE_DIR ? [] : [stateDir]), ...prom].map(rwPath);
  return [
    '# whydied flight recorder as a hardened systemd service: every process death on the host goes to the records',
    '# store, the journal (structured WHYDIED_* fields, MESSAGE_ID=5f1c2a7e9b3d4c8a8e6f0d1b2c3a4e57) and the',
    "# node-exporter textfile collector (Debian's prometheus-node-exporter reads " + NODE_EXPORTER_TEXTFILE_DIR + ').',
    '# The same text as `whydied record --print-unit`; the Debian package installs it. By hand:',
    '#   whydied record --print-unit >/etc/systemd/system/whydied-record.service',
    '#   systemctl daemon-reload && systemctl enable --now whydied-record',
    '[Unit]',
    'Description=whydied flight recorder: why every process exited (signal + sender, exit code)',
    'Documentation=man:whydied(1)',
    'After=local-fs.target systemd-journald.socket',
    '',
    '[Service]',
    'Type=simple',
    // The recorder refuses a textfile directory that does not exist (node_exporter not installed yet): made
    // first, with full privileges (`+`: ProtectSystem= does not apply to it), as node_exporter's package would.
    ...(prom.length ? [`ExecStartPre=+/bin/mkdir -p -m 0755 -- ${prom.map(unitArg).join(' ')}`] : []),
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=2',
    '# SIGTERM ends it cleanly (records written, tracing instance removed) with status 143.',
    'SuccessExitStatus=143',
    '# SIGTERM to the recorder, then SIGKILL to anything left in the unit (an --on-death hook): nothing outlives it.',
    'KillMode=mixed',
    'StateDirectory=whydied',
    'StateDirectoryMode=0700',
    // Not 0077: node_exporter (its own user) must read the textfile, written 0644; the records are 0600 in a
    // 0700 directory whatever the umask (src/source/safe-write.ts).
    'UMask=0022',
    '',
    "# tracefs: creating an instance and enabling events needs CAP_SYS_ADMIN; reading /proc of every user's",
    '# processes needs CAP_DAC_READ_SEARCH. Nothing else: no CAP_KILL, no CAP_SYS_PTRACE, no CAP_NET_*.',
    'CapabilityBoundingSet=CAP_SYS_ADMIN CAP_DAC_READ_SEARCH',
    'AmbientCapabilities=',
    'NoNewPrivileges=yes',
    '# / read-only except /dev, /proc and /sys (tracefs lives under /sys/kernel/tracing and must stay writable:',
    '# hence no ProtectKernelTunables=, which would make /sys read-only).',
    'ProtectSystem=strict',
    ...(writable.length ? [`ReadWritePaths=${writable.join(' ')}`] : []),
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'PrivateNetwork=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    '# The journal is reached through its unix datagram socket (and /dev/log as the fallback): AF_UNIX only.',
    'RestrictAddressFamilies=AF_UNIX',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    "# Node's JIT needs writable+executable memory: MemoryDenyWriteExecute= cannot be set.",
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
