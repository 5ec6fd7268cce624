/** A command line a `chainwatch` command cannot run: cli.ts prints the message and `help`, and exits 2. */
export class UsageError extends Error {
  readonly help: string;

  constructor(message: string, help: string) {
    super(message);
    this.name = "UsageError";
    this.help = help;
  }
}
