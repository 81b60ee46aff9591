/** Words for the survival events, shared by the verdict's sentences and the renderers. */
import type { RiskEvent } from './types';

const EVENT_WORDS: Record<RiskEvent, string> = {
  'terminal-hangup': 'a terminal hangup',
  'parent-exit': 'its parent exiting',
  'group-kill': 'a kill of its process group',
  'session-end': 'the login session ending',
  'ci-cleanup': 'CI cleanup',
  'container-stop': 'its container stopping',
  'memory-pressure': 'memory pressure',
};

/** An event from a newer report than this build knows still reads, by its id. */
export const eventWords = (e: RiskEvent): string => EVENT_WORDS[e] ?? e.replace(/-/g, ' ');

export function joinWords(words: string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
