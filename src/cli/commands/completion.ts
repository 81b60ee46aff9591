/** `whydied completion bash|zsh`: print a completion script generated from the command definitions. */
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
  describe: 'Print a shell completion script (bash or zsh), e.g. source <(whydied completion bash)',
  builder: (y: Argv<GlobalOptions>): Argv<CompletionArgs> =>
    y.positional('shell', {
      type: 'string',
      choices: ['bash', 'zsh'],
      default: 'bash',
      describe: 'The shell',
    }) as unknown as Argv<CompletionArgs>,
  handler: async (argv) => {
    const docs = await import('../docs');
    process.stdout.write(argv.shell === 'zsh' ? docs.zshCompletion(commands()) : docs.bashCompletion(commands()));
    process.exitCode = 0;
  },
});
