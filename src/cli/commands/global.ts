/** Options every command accepts. */
export interface GlobalOptions {
  verbose?: boolean;
}
