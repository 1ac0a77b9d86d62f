import type { Command } from './command.js';

/** The help text: every command with its arguments, and the environment it reads. */
export function usage(commands: readonly Command[]): string {
  const lines = commands.map(
    (c) => `  ${`${c.name} ${c.synopsis}`.trimEnd().padEnd(42)} ${c.summary}`,
  );
  return [
    'usage: npm run cli -- <command> [options] [--json]',
    '',
    'commands:',
    ...lines,
    '',
    'options:',
    '  --json      print one JSON document instead of a table',
    '  -h, --help  print this help',
    '',
    'environment (defaults as the apps): REDIS_URL (redis://127.0.0.1:6379),',
    '  MONGO_URL (mongodb://127.0.0.1:27017/groupidentify), QUEUE_PREFIX (gi), PARTITIONS (16),',
    '  DESTINATIONS_ALLOW_PRIVATE (false)',
  ].join('\n');
}
