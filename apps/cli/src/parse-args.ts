import { parseArgs } from 'node:util';
import type { Command, CommandArgs, OptionName } from './command.js';
import { UsageError } from './cli-error.js';

/** A command line resolved to one command, or a request for help. */
export type Invocation =
  { kind: 'help' } | { kind: 'run'; command: Command; args: CommandArgs; json: boolean };

const OPTION_NAMES: readonly OptionName[] = [
  'name',
  'id',
  'project',
  'to',
  'type',
  'property',
  'as-of',
  'where',
  'after',
  'rate-limit',
  'allow-public-erase',
  'ordering',
  'in',
  'out',
  'format',
  'skip-bad',
  'check',
  'resume',
  'group-type',
  'description',
];

/** Options that take no value: present means `'true'`. */
const FLAGS: ReadonlySet<OptionName> = new Set(['check', 'resume']);

function tokenize(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        id: { type: 'string' },
        project: { type: 'string' },
        to: { type: 'string' },
        type: { type: 'string' },
        property: { type: 'string' },
        'as-of': { type: 'string' },
        where: { type: 'string' },
        after: { type: 'string' },
        'rate-limit': { type: 'string' },
        'allow-public-erase': { type: 'string' },
        ordering: { type: 'string' },
        in: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        'skip-bad': { type: 'string' },
        'group-type': { type: 'string' },
        description: { type: 'string' },
        check: { type: 'boolean' },
        resume: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // node:util reports bad options as TypeErrors with ERR_PARSE_ARGS_* codes.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((error as Error).message);
    throw error;
  }
}

/** Resolves `argv` (without node and script) against `commands`; throws UsageError. */
export function parseCommandLine(
  argv: readonly string[],
  commands: readonly Command[],
): Invocation {
  const { values, positionals } = tokenize(argv);
  if (values.help === true) return { kind: 'help' };
  const [noun, verb, ...more] = positionals;
  if (noun === undefined) throw new UsageError('no command given');
  // `<noun> <verb>`, or a command of one word (`enrich`), whose positionals start after it.
  const single = commands.find((c) => c.name === noun);
  const command = single ?? commands.find((c) => c.name === `${noun} ${verb ?? ''}`);
  const rest = single === undefined || verb === undefined ? more : [verb, ...more];
  if (command === undefined) {
    const known = commands.some((c) => c.name.startsWith(`${noun} `));
    throw new UsageError(
      known
        ? `unknown ${noun} command: ${verb ?? '(none)'}`
        : `unknown command: ${noun}${verb === undefined ? '' : ` ${verb}`}`,
    );
  }
  const wanted = command.positionals ?? [];
  if (rest.length !== wanted.length) {
    const names = wanted.map((p) => `<${p}>`).join(' ');
    throw new UsageError(
      wanted.length === 0
        ? `${command.name} takes no arguments (got: ${rest.join(' ')})`
        : `${command.name} needs ${names}`,
    );
  }
  const allowed = new Set([...(command.required ?? []), ...(command.optional ?? [])]);
  const options: CommandArgs['options'] = {};
  for (const name of OPTION_NAMES) {
    const value = values[name];
    if (value === undefined) continue;
    if (!allowed.has(name)) throw new UsageError(`${command.name} has no option --${name}`);
    if (FLAGS.has(name)) {
      options[name] = 'true';
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '')
      throw new UsageError(`--${name} must not be empty`);
    options[name] = value;
  }
  for (const name of command.required ?? []) {
    if (options[name] === undefined)
      throw new UsageError(`${command.name} needs --${name} <${name}>`);
  }
  return { kind: 'run', command, args: { positionals: rest, options }, json: values.json === true };
}
