import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { LIMITS, codePointLength } from '@groupidentify/ops';
import type { Store } from '@groupidentify/store';
import { HttpError } from '../http-error.js';
import { historyTooLong } from './history-too-long.js';
import { invalid, readInstant } from './query-params.js';

/** Groups one lookup may ask for. */
export const MAX_LOOKUP = 1000;

interface LookupEntry {
  group_type: string;
  group_value: string;
  as_of?: string;
  asOf?: Date | undefined;
}

const FIELDS = new Set(['group_type', 'group_value', 'as_of']);

/**
 * `POST /api/groups/lookup` (docs/api.md#looking-up-many-groups): up to 1,000 groups, each current
 * or as of its own `as_of`, answered in the order asked. How an event pipeline joins each event
 * with the properties its groups had when it happened, in one request instead of one per group.
 */
export function lookupHandler(deps: { store: Store; maxHistory: number }) {
  return async (req: Request, res: Response): Promise<void> => {
    const project = res.locals['project'] as string;
    const entries = readEntries(req.body);
    const answers = await deps.store.groups.lookup(
      entries.map((e) => ({
        key: { project, group_type: e.group_type, group_value: e.group_value },
        asOf: e.asOf,
      })),
      { maxHistory: deps.maxHistory },
    );
    const items = answers.map((answer, i) => {
      const { group_type, group_value, as_of } = entries[i] as LookupEntry;
      const asked = { group_type, group_value, ...(as_of === undefined ? {} : { as_of }) };
      if (answer.found)
        return {
          ...asked,
          found: true,
          properties: answer.group.properties,
          version: answer.group.version,
        };
      if (answer.why === 'history-too-long') throw historyTooLong(deps.maxHistory, `groups[${i}]`);
      if (answer.why === 'history-omitted')
        throw new HttpError(422, 'History too large to rewind', {
          reason: `groups[${i}]: a change after as_of was too large to keep in history (over 8 MB)`,
        });
      return { ...asked, found: false };
    });
    res.json({ items });
  };
}

const noGroups = (): HttpError =>
  invalid(
    'groups',
    `must be an array of 1 to ${MAX_LOOKUP} {"group_type","group_value","as_of"?} (a JSON body)`,
  );

/**
 * The lookup's JSON body, any JSON value (`null` or `"x"` too: refused by {@link readEntries}
 * like a body without `groups`); a body that is not JSON at all is refused the same way.
 */
export function lookupBody(): [RequestHandler, ErrorRequestHandler] {
  const notJsonAsNoGroups: ErrorRequestHandler = (error, _req, _res, next) => {
    const notJson = (error as { type?: unknown } | undefined)?.type === 'entity.parse.failed';
    next(notJson ? noGroups() : error);
  };
  return [express.json({ limit: LIMITS.maxBodyBytes, strict: false }), notJsonAsNoGroups];
}

function readEntries(body: unknown): LookupEntry[] {
  const groups = (body as { groups?: unknown } | null | undefined)?.groups;
  if (!Array.isArray(groups) || groups.length < 1 || groups.length > MAX_LOOKUP) throw noGroups();
  return groups.map((entry: unknown, i) => {
    const at = `groups[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw invalid(at, 'must be an object with group_type and group_value');
    const unknown = Object.keys(entry).find((k) => !FIELDS.has(k));
    if (unknown !== undefined) throw invalid(`${at}.${unknown}`, 'is not a lookup field');
    const { group_type, as_of } = entry as Record<string, unknown>;
    // As in identifications: a finite number is the value's string form.
    const raw = (entry as Record<string, unknown>)['group_value'];
    const group_value = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
    for (const [name, value] of [
      ['group_type', group_type],
      ['group_value', group_value],
    ] as const) {
      if (
        typeof value !== 'string' ||
        value === '' ||
        codePointLength(value) > LIMITS.maxNameLength
      )
        throw invalid(
          `${at}.${name}`,
          `must be a string of 1 to ${LIMITS.maxNameLength} characters`,
        );
    }
    // An empty as_of is refused, not read as now: the entry asked for an instant.
    if (as_of !== undefined && (typeof as_of !== 'string' || as_of === ''))
      throw invalid(`${at}.as_of`, 'must be an ISO-8601 date-time, e.g. 2026-01-31T12:00:00Z');
    return {
      group_type: group_type as string,
      group_value: group_value as string,
      ...(as_of === undefined ? {} : { as_of, asOf: readInstant(`${at}.as_of`, as_of) }),
    };
  });
}
