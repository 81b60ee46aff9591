/** Words for the survival events (from the events table), shared by the verdict's sentences and the renderers. */
import { eventInfo } from './events';

/** An event from a newer report than this build knows still reads, by its id. */
export const eventWords = (e: string): string => eventInfo(e)?.words ?? e.replace(/-/g, ' ');

export function joinWords(words: string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
