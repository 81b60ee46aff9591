/**
 * Renderer by format. Loaded lazily: cli-table3 is only required when the table is actually drawn,
 * which keeps `whydied --json` and `whydied --help` cheap to start.
 */
import type { Format, Renderer } from './types';

export type { Format, Renderer, RenderOptions } from './types';
export { FORMATS } from './types';
export { escapeControl } from '../util/escape';

export function rendererFor(format: Format): Renderer {
  switch (format) {
    case 'json':
      return (require('./json') as typeof import('./json')).renderJson;
    case 'markdown':
      return (require('./markdown') as typeof import('./markdown')).renderMarkdown;
    case 'table':
      return (require('./table') as typeof import('./table')).renderTable;
  }
}
