/** Words shared by the table's report and its list of matches. */
import type { RiskEvent } from '../engine/types';

// Partial: an event added to the survival rules later still renders (by its id) before words are added here.
const EVENT_WORDS: Partial<Record<RiskEvent, string>> = {
  'terminal-hangup': 'a terminal hangup',
  'parent-exit': 'its parent exiting',
  'group-kill': 'a kill of its process group',
  'session-end': 'the login session ending',
  'ci-cleanup': 'CI cleanup',
  'container-stop': 'its container stopping',
  'memory-pressure': 'memory pressure',
};
export const eventWords = (e: RiskEvent): string => EVENT_WORDS[e] ?? e.replace(/-/g, ' ');

export function joinWords(words: string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
