import type { CliContext } from './cli-context.js';

/** Options a command may take; every one is a string, the flags (`--check`) `'true'` when given. */
export type OptionName =
  | 'name'
  | 'id'
  | 'project'
  | 'to'
  | 'type'
  | 'property'
  | 'as-of'
  | 'where'
  | 'after'
  | 'rate-limit'
  | 'allow-public-erase'
  | 'ordering'
  | 'in'
  | 'out'
  | 'format'
  | 'skip-bad'
  | 'check'
  | 'resume'
  | 'group-type'
  | 'description';

/** Parsed arguments of one command. */
export interface CommandArgs {
  positionals: readonly string[];
  options: Partial<Record<OptionName, string>>;
}

/** What a command printed: `json` for `--json`, `text` otherwise. */
export interface CommandOutput {
  json: unknown;
  text: string;
}

/** A command that wrote its result to stdout as it went (an export): only a summary remains. */
export interface StreamedOutput {
  streamed: true;
  /** Printed on stderr, so that stdout holds the result alone. */
  summary: string;
}

export interface Command {
  /** `<noun> <verb>`, e.g. `project create`. */
  name: string;
  /** The argument part of the usage line, e.g. `--name <name>`. */
  synopsis: string;
  summary: string;
  positionals?: readonly string[];
  required?: readonly OptionName[];
  optional?: readonly OptionName[];
  run(ctx: CliContext, args: CommandArgs): Promise<CommandOutput | StreamedOutput>;
}

/** Output that is one JSON line whether or not `--json` was given (docs/operations.md `project create`). */
export function jsonOnly(json: unknown): CommandOutput {
  return { json, text: JSON.stringify(json) };
}
