#!/usr/bin/env node
import { BACKFILL_HELP, runBackfillCli } from "@chainwatch/chain";
import { ConfigError, EXIT_CONFIG_ERROR } from "@chainwatch/service-kit";
import { UsageError } from "./cli-usage.ts";
import { LABELS_HELP, runLabelsCli } from "./labels/labels-cli.ts";
import { REPLAY_HELP, runReplayCli } from "./replay/replay-cli.ts";

const HELP = `Usage: chainwatch <command> [options]

Commands:
  replay          publish a file of transactions to the input topic
  labels import   import a label file (CSV or JSON Lines) into an address list
  labels seed     create and fill the shipped deny lists
  backfill        publish the transactions of a block range from a chain's RPC node (resumable)

Run chainwatch <command> --help for its options.

${REPLAY_HELP}
${LABELS_HELP}
${BACKFILL_HELP}`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  replay: (args) => runReplayCli(args, process.env),
  labels: (args) => runLabelsCli(args, process.env),
  backfill: (args) => runBackfillCli(args, process.env),
};

const [command, ...args] = process.argv.slice(2);
let exitCode: number;
if (command === undefined || command === "--help" || command === "help") {
  process.stdout.write(HELP);
  exitCode = command === undefined ? 2 : 0;
} else {
  const run = commands[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`, HELP);
    exitCode = await run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`chainwatch: ${error.message}\n\n${error.help}`);
      exitCode = 2;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`chainwatch ${command}: ${error.message}\n`);
      exitCode = EXIT_CONFIG_ERROR;
    } else {
      process.stderr.write(`chainwatch ${command} failed: ${(error as Error).message}\n`);
      exitCode = 1;
    }
  }
}
process.exit(exitCode);
