/** `whydied completion bash|zsh|fish`: print a completion script generated from the command definitions. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';
import type { CommandInfo } from './info';

export interface CompletionArgs extends GlobalOptions {
  shell?: string;
}

/** The command list is passed in late: it holds this very command. */
export const makeCompletionCommand = (
  commands: () => readonly CommandInfo[],
): CommandModule<GlobalOptions, CompletionArgs> => ({
  command: 'completion [shell]',
  describe: 'Print a shell completion script (bash, zsh or fish), e.g. source <(whydied completion bash)',
  builder: (y: Argv<GlobalOptions>): Argv<CompletionArgs> =>
    y.positional('shell', {
      type: 'string',
      choices: ['bash', 'zsh', 'fish'],
      default: 'bash',
      describe: 'The shell',
    }) as unknown as Argv<CompletionArgs>,
  handler: async (argv) => {
    const [{ completionScript }, { loadChecks }] = await Promise.all([
      import('../completion-scripts'),
      import('../../api/load'),
    ]);
    // --only/--skip complete to the built-in check ids.
    const ids = (await loadChecks([])).map((c) => c.meta.id);
    const shell = argv.shell === 'zsh' || argv.shell === 'fish' ? argv.shell : 'bash';
    process.stdout.write(completionScript(shell, commands(), ids));
    process.exitCode = 0;
  },
});
