/**
 * `whydied record --print-unit`: a systemd unit running the recorder in the foreground (the service
 * manager supervises it; no --daemon). Paths are absolute so the unit works without PATH.
 * SIGTERM ends it with status 143 after a clean stop, which systemd must count as success.
 */
export interface UnitInput {
  node: string;
  script: string;
  stateDir?: string;
}

/** systemd's ExecStart= splits on whitespace and honours double quotes; quote only when needed. */
function unitArg(s: string): string {
  // systemd expands `%x` specifiers and `$VAR` in ExecStart=: both are doubled to stay literal.
  const lit = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(lit) ? lit : `"${lit.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function renderUnit(u: UnitInput): string {
  const exec = [u.node, u.script, 'record', ...(u.stateDir ? ['--state-dir', u.stateDir] : [])].map(unitArg).join(' ');
  return [
    '[Unit]',
    'Description=whydied flight recorder: why every process exited (signal + sender, exit code)',
    'Documentation=man:whydied(1)',
    'After=local-fs.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=2',
    'SuccessExitStatus=143',
    'KillMode=process',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
    '# Install: save as /etc/systemd/system/whydied-record.service, then',
    '#   systemctl daemon-reload && systemctl enable --now whydied-record',
    '',
  ].join('\n');
}
