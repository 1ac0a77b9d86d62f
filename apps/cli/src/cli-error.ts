/** A failure the user can act on (unknown id, unreachable server): message only, exit 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Bad arguments or an unknown command: message and usage on stderr, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
