import type { Report } from '../engine/types';

export interface RenderOptions {
  /** ANSI colour for status words; the CLI decides (TTY, --no-color, NO_COLOR). */
  color: boolean;
  /** Show check details and durations. */
  verbose?: boolean;
  /** Terminal width for wrapping; no wrapping when absent. */
  width?: number;
  /** Several matches: the full report of every one, not only the first (table). */
  all?: boolean;
  /** Matches the diagnosis left out (the newest 10 of each kind are diagnosed without --all). */
  omitted?: { live: number; dead: number };
}

/** Pure: a report (or several) to text. Never prints, never reads the environment. */
export type Renderer = (report: Report | Report[], opts: RenderOptions) => string;

export type Format = 'table' | 'json' | 'markdown';
export const FORMATS: readonly Format[] = ['table', 'json', 'markdown'];
