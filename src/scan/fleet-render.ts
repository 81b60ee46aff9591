/** `whydied scan --deaths` as text: one sentence per service (most deaths first), then its hosts. Pure. */
import { escapeControl } from '../util/escape';
import { ago } from '../render/time';
import { wrapText } from '../render/wrap';
import type { FleetDeathsResult } from './fleet-deaths';

const MAX_HOSTS_LISTED = 8;

export function renderFleetDeaths(r: FleetDeathsResult, width?: number): string {
  const now = Date.parse(r.generatedAt);
  if (r.deaths === 0) return `No deaths in the input${r.since ? ` since ${r.since}` : ''}.\n`;
  const out: string[] = [
    `${r.deaths} death${r.deaths === 1 ? '' : 's'} on ${r.hosts.length} host${r.hosts.length === 1 ? '' : 's'}, ` +
      `${r.services.length} service${r.services.length === 1 ? '' : 's'}` +
      (r.duplicates ? ` (${r.duplicates} delivered twice, counted once)` : ''),
  ];
  for (const s of r.services) {
    // Names and causes are other hosts' process data: escaped before they reach a terminal.
    out.push('', ...wrapText(escapeControl(s.summary), width));
    const shown = s.hosts.slice(0, MAX_HOSTS_LISTED).map((h) => `${escapeControl(h.hostname)} ${h.deaths}`);
    const more = s.hosts.length > MAX_HOSTS_LISTED ? `, ${s.hosts.length - MAX_HOSTS_LISTED} more` : '';
    const hostLine = `hosts: ${shown.join(', ')}${more} · last ${ago(Date.parse(s.last), now)}`;
    out.push(...wrapText(hostLine, width === undefined ? undefined : width - 2).map((l) => `  ${l}`));
  }
  return out.join('\n') + '\n';
}
