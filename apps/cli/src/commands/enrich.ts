import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { GroupAsOf } from '@groupidentify/store';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';
import { requireProject } from '../not-found.js';

/** Groups looked up in one store round (the read API's lookup takes as many). */
const LOOKUP_BATCH = 1000;
/** History an `as_of` may undo per group, as the read API's default `AS_OF_MAX_HISTORY`. */
const MAX_HISTORY = 10_000;
const PROGRESS_EVERY_MS = 1_000;

/** One readable event: the line it came from, what it was, and its groups. */
interface EventLine {
  line: number;
  event: Record<string, unknown>;
  groups: { type: string; value: string }[];
  at: Date;
}

/**
 * `enrich` (docs/operations.md#enriching-events): reads events in the HTTP V2 shape, one JSON
 * object a line, and writes each with `group_properties` holding, for each of its groups, the
 * properties the group had at the event's `time`: `{"<type>": {"<value>": {…} | null}}` (`null`:
 * the group did not exist then). A line that cannot be enriched is reported on stderr with its
 * number and left out; the command then exits 1, after every other line was written.
 */
const enrich: Command = {
  name: 'enrich',
  synopsis: '--project <id> [--in <file>] [--out <file>]',
  summary: "add to each NDJSON event its groups' properties at its time (stdin → stdout)",
  required: ['project'],
  optional: ['in', 'out'],
  async run(ctx, { options }) {
    const project = options.project ?? '';
    const store = await ctx.store();
    await requireProject(store, project);
    const file = options.out === undefined ? undefined : createWriteStream(options.out);
    const write = (chunk: string) =>
      file === undefined ? ctx.io.write(chunk) : writeTo(file, chunk);
    const input = options.in === undefined ? process.stdin : createReadStream(options.in);
    let pending: EventLine[] = [];
    let lookups = 0;
    let written = 0;
    let bad = 0;
    const report = (line: number, why: string) => {
      bad++;
      ctx.io.err(`line ${line}: ${why}`);
    };
    const flush = async () => {
      const entries = pending.flatMap((e) =>
        e.groups.map((g) => ({
          key: { project, group_type: g.type, group_value: g.value },
          asOf: e.at,
        })),
      );
      const answers = await store.groups.lookup(entries, { maxHistory: MAX_HISTORY });
      let next = 0;
      for (const e of pending) {
        const mine = answers.slice(next, next + e.groups.length);
        next += e.groups.length;
        const why = unreadable(mine);
        if (why !== undefined) report(e.line, why);
        else {
          await write(
            `${JSON.stringify({ ...e.event, group_properties: propertiesOf(e, mine) })}\n`,
          );
          written++;
        }
      }
      pending = [];
      lookups = 0;
    };
    let line = 0;
    let shownAt = Date.now();
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      const read = readEvent(text, line);
      if (typeof read === 'string') {
        report(line, read);
        continue;
      }
      pending.push(read);
      lookups += read.groups.length;
      if (lookups >= LOOKUP_BATCH) await flush();
      if (Date.now() - shownAt >= PROGRESS_EVERY_MS) {
        shownAt = Date.now();
        ctx.io.err(`read ${line} lines, ${written} events written, ${bad} bad…`);
      }
    }
    await flush();
    if (file !== undefined) {
      file.end();
      await once(file, 'close');
    }
    const summary = `enriched ${written} events from ${line} lines`;
    if (bad > 0) throw new CliError(`${summary}; ${bad} lines could not be, reported above`);
    return { streamed: true, summary };
  },
};

async function writeTo(file: WriteStream, chunk: string): Promise<void> {
  if (!file.write(chunk)) await once(file, 'drain');
}

/** The event of one line, or why it cannot be enriched. */
function readEvent(text: string, line: number): EventLine | string {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    return 'not a JSON object';
  const { groups, time } = event as Record<string, unknown>;
  let at = new Date();
  if (time !== undefined) {
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0)
      return 'time must be milliseconds since the epoch';
    at = new Date(time);
  }
  const keys: EventLine['groups'] = [];
  if (groups !== undefined) {
    if (typeof groups !== 'object' || groups === null || Array.isArray(groups))
      return 'groups must be an object of group type → value or [values]';
    for (const [type, value] of Object.entries(groups)) {
      const values: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
      for (const one of values) {
        const v = typeof one === 'number' && Number.isFinite(one) ? String(one) : one;
        if (typeof v !== 'string' || v === '' || type === '')
          return `groups.${type}: each value must be a non-empty string or a number`;
        keys.push({ type, value: v });
      }
    }
  }
  return { line, event: event as Record<string, unknown>, groups: keys, at };
}

function unreadable(answers: readonly GroupAsOf[]): string | undefined {
  for (const a of answers) {
    if (a.found) continue;
    if (a.why === 'history-too-long')
      return `a group changed more than ${MAX_HISTORY} times after the event's time`;
    if (a.why === 'history-omitted')
      return "a group's change after the event's time was too large to keep in history";
  }
  return undefined;
}

function propertiesOf(e: EventLine, answers: readonly GroupAsOf[]) {
  const out: Record<string, Record<string, unknown>> = {};
  e.groups.forEach(({ type, value }, i) => {
    const answer = answers[i];
    (out[type] ??= {})[value] = answer?.found === true ? answer.group.properties : null;
  });
  return out;
}

export const enrichCommands: readonly Command[] = [enrich];
