/** `whydied explain VALUE`: an exit status, a signal or a signal mask in words, with common causes. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';

export interface ExplainArgs extends GlobalOptions {
  value?: string;
  json?: boolean;
}

export const explainCommand: CommandModule<GlobalOptions, ExplainArgs> = {
  command: 'explain [value]',
  describe:
    'Explain an exit status (137), a signal (SIGKILL) or a /proc signal mask (0x...) and what commonly causes it',
  builder: (y: Argv<GlobalOptions>): Argv<ExplainArgs> =>
    y
      // A string: `0x4001`, `-9` and `SIGKILL` must arrive as typed.
      .positional('value', {
        type: 'string',
        describe: 'Exit status, wait status, signal name or number (-9), or a hex mask',
      })
      .option('json', { type: 'boolean', describe: 'Print the explanation as JSON' }) as unknown as Argv<ExplainArgs>,
  handler: async (argv) => {
    const { runExplain } = await import('../actions/explain');
    // After `--` (needed for `-9`) yargs leaves the value in `_`: take it verbatim from the raw arguments.
    const dd = process.argv.indexOf('--');
    const value = dd >= 0 && process.argv[dd + 1] !== undefined ? process.argv[dd + 1] : String(argv.value ?? '');
    process.exitCode = runExplain({ value, json: argv.json ?? false });
  },
};
