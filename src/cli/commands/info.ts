/** What the completion script, the man page and error messages read of a command module. */
import type { CommandModule } from 'yargs';

export type CommandInfo = Pick<CommandModule, 'command' | 'describe'> & { builder?: unknown };

/** The words a command answers to (`diagnose`, `watch`); the default command's `$0` is left out. */
export function commandNames(c: CommandInfo): string[] {
  const list: readonly string[] = Array.isArray(c.command)
    ? c.command
    : [typeof c.command === 'string' ? c.command : ''];
  return list.map((s) => s.split(' ')[0]).filter((w) => w !== '$0' && w !== '');
}
