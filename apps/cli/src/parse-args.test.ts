import { describe, expect, it, vi } from 'vitest';
import type { Command, OptionName } from './command.js';
import { UsageError } from './cli-error.js';
import { parseCommandLine } from './parse-args.js';

const run = vi.fn(() => {
  throw new Error('parseCommandLine must not run a command');
});

function command(
  name: string,
  spec: { positionals?: string[]; required?: OptionName[]; optional?: OptionName[] } = {},
): Command {
  return { name, synopsis: '', summary: name, run, ...spec };
}

const projectCreate = command('project create', { required: ['name'] });
const projectList = command('project list');
const groupsShow = command('groups show', {
  positionals: ['type', 'value'],
  required: ['project'],
});
const deadLettersReplay = command('dead-letters replay', { optional: ['id', 'project'] });
const partitionsResize = command('partitions resize', { required: ['to'] });
const COMMANDS = [projectCreate, projectList, groupsShow, deadLettersReplay, partitionsResize];

const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS);

/** The UsageError `parse(...argv)` throws. */
function usageError(...argv: string[]): UsageError {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('resolves a command with its positionals and options', () => {
    expect(parse('groups', 'show', 'company', 'acme', '--project', 'p1')).toEqual({
      kind: 'run',
      command: groupsShow,
      args: { positionals: ['company', 'acme'], options: { project: 'p1' } },
      json: false,
    });
    expect(parse('project', 'list')).toEqual({
      kind: 'run',
      command: projectList,
      args: { positionals: [], options: {} },
      json: false,
    });
  });

  it('answers the command object itself, never running it', () => {
    const invocation = parse('project', 'create', '--name', 'Acme');
    expect(invocation.kind === 'run' && invocation.command).toBe(projectCreate);
    expect(run).not.toHaveBeenCalled();
  });

  it('takes options anywhere on the line, in --name=value form too', () => {
    expect(parse('--to', '32', 'partitions', 'resize')).toMatchObject({
      command: partitionsResize,
      args: { options: { to: '32' } },
    });
    expect(parse('project', 'create', '--name=Acme Inc')).toMatchObject({
      args: { options: { name: 'Acme Inc' } },
    });
  });

  it('takes optional options, or leaves them out', () => {
    expect(parse('dead-letters', 'replay')).toMatchObject({ args: { options: {} } });
    expect(parse('dead-letters', 'replay', '--id', '7', '--project', 'p1')).toMatchObject({
      args: { options: { id: '7', project: 'p1' } },
    });
  });

  it('sets json with --json', () => {
    expect(parse('project', 'list', '--json')).toMatchObject({ kind: 'run', json: true });
    expect(parse('--json', 'project', 'create', '--name', 'x')).toMatchObject({ json: true });
    expect(parse('project', 'list')).toMatchObject({ json: false });
  });

  it.each([
    [['--help']],
    [['-h']],
    [['project', 'create', '--help']],
    [['no-such', 'thing', '-h']],
    [['project', 'create', 'extra', '--help']],
  ])('answers help for %j, whatever else is on the line', (argv) => {
    expect(parse(...argv)).toEqual({ kind: 'help' });
  });

  it('refuses an empty line', () => {
    expect(usageError().message).toBe('no command given');
    expect(usageError('--json').message).toBe('no command given');
  });

  it('refuses an unknown command', () => {
    expect(usageError('nope').message).toBe('unknown command: nope');
    expect(usageError('nope', 'list').message).toBe('unknown command: nope list');
  });

  it('refuses an unknown verb of a known noun', () => {
    expect(usageError('project', 'delete').message).toBe('unknown project command: delete');
    expect(usageError('project').message).toBe('unknown project command: (none)');
    // A noun is matched whole: "group" is not the noun of "groups show".
    expect(usageError('group', 'show').message).toBe('unknown command: group show');
  });

  it('refuses arguments to a command that takes none', () => {
    expect(usageError('project', 'list', 'extra').message).toBe(
      'project list takes no arguments (got: extra)',
    );
  });

  it('refuses too few or too many positionals, naming them', () => {
    for (const argv of [
      ['groups', 'show', '--project', 'p'],
      ['groups', 'show', 'company', '--project', 'p'],
      ['groups', 'show', 'company', 'acme', 'more', '--project', 'p'],
    ])
      expect(usageError(...argv).message).toBe('groups show needs <type> <value>');
  });

  it('refuses an option the command does not take', () => {
    expect(usageError('project', 'list', '--name', 'x').message).toBe(
      'project list has no option --name',
    );
    expect(usageError('project', 'create', '--name', 'x', '--to', '3').message).toBe(
      'project create has no option --to',
    );
  });

  it('refuses an empty or blank option value', () => {
    expect(usageError('project', 'create', '--name', '').message).toBe('--name must not be empty');
    expect(usageError('project', 'create', '--name=').message).toBe('--name must not be empty');
    expect(usageError('project', 'create', '--name', '  ').message).toBe(
      '--name must not be empty',
    );
    expect(usageError('dead-letters', 'replay', '--id', ' ').message).toBe(
      '--id must not be empty',
    );
  });

  it('refuses a missing required option', () => {
    expect(usageError('project', 'create').message).toBe('project create needs --name <name>');
    expect(usageError('groups', 'show', 'company', 'acme').message).toBe(
      'groups show needs --project <project>',
    );
  });

  it('refuses unknown options and options without their value', () => {
    expect(usageError('project', 'list', '--bogus').message).toMatch(/bogus/);
    expect(usageError('project', 'create', '--name').message).toMatch(/name/);
    expect(usageError('project', 'list', '--json=yes').message).toMatch(/json/);
  });
});
