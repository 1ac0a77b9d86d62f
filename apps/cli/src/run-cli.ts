import { createCliContext } from './cli-context.js';
import { CliError, UsageError } from './cli-error.js';
import { commands } from './commands/index.js';
import { loadConfig } from './config.js';
import { parseCommandLine } from './parse-args.js';
import { usage } from './usage.js';

import type { CliIo } from './cli-io.js';

export type { CliIo } from './cli-io.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Runs one command line; resolves with the exit code. Never throws. */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  let invocation;
  try {
    invocation = parseCommandLine(argv, commands);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}\n\n${usage(commands)}`);
    return EXIT_USAGE;
  }
  if (invocation.kind === 'help') {
    io.out(usage(commands));
    return EXIT_OK;
  }
  let ctx;
  try {
    ctx = createCliContext(loadConfig(env), io);
  } catch (error) {
    io.err(`error: ${(error as Error).message}`);
    return EXIT_USAGE;
  }
  try {
    const output = await invocation.command.run(ctx, invocation.args);
    if ('streamed' in output) io.err(output.summary);
    else io.out(invocation.json ? JSON.stringify(output.json) : output.text);
    return EXIT_OK;
  } catch (error) {
    io.err(`error: ${describe(error)}`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED; // a bad option value found late
  } finally {
    await ctx.close();
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof CliError && error.cause instanceof Error)
    return `${error.message}: ${error.cause.message}`;
  return error.message;
}
