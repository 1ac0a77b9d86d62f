import { LIMITS, codePointLength } from '@groupidentify/ops';
import { refusalOf } from './destination-url.js';

/** A destination URL's longest length, in characters. */
export const MAX_URL_LENGTH = 2048;
/** A destination description's longest length, in characters. */
export const MAX_DESCRIPTION_LENGTH = 500;

const FIELDS: ReadonlySet<string> = new Set(['url', 'group_type', 'description']);

/** What a new destination is made of, checked. */
export interface NewDestinationFields {
  url: string;
  groupType?: string;
  description?: string;
}

/** The fields, or the first one that is wrong and why. */
export type DestinationFieldsCheck =
  { ok: true; fields: NewDestinationFields } | { ok: false; field: string; reason: string };

const refused = (field: string, reason: string): DestinationFieldsCheck => ({
  ok: false,
  field,
  reason,
});

/**
 * Checks a new destination as the API's `POST /api/destinations` body and the CLI's
 * `destinations create` take it, `{url, group_type?, description?}` (null counts as absent, and
 * so does an empty description): no other field; `url` a string of at most
 * {@link MAX_URL_LENGTH} characters that {@link refusalOf} allows; `group_type` as an
 * identification's; `description` at most {@link MAX_DESCRIPTION_LENGTH} characters. The URL's
 * own check, which may ask DNS, comes last.
 */
export async function checkNewDestination(
  input: unknown,
  allowPrivate: boolean,
): Promise<DestinationFieldsCheck> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return refused('body', 'must be a JSON object {"url","group_type"?,"description"?}');
  const unknown = Object.keys(input).find((k) => !FIELDS.has(k));
  if (unknown !== undefined)
    return refused(unknown, 'is not a destination field (url, group_type, description)');
  const { url, group_type, description } = input as Record<string, unknown>;
  if (typeof url !== 'string' || url === '' || codePointLength(url) > MAX_URL_LENGTH)
    return refused('url', `must be a string of 1 to ${MAX_URL_LENGTH} characters`);
  if (
    group_type !== undefined &&
    group_type !== null &&
    (typeof group_type !== 'string' ||
      group_type === '' ||
      codePointLength(group_type) > LIMITS.maxNameLength)
  )
    return refused('group_type', `must be a string of 1 to ${LIMITS.maxNameLength} characters`);
  if (
    description !== undefined &&
    description !== null &&
    (typeof description !== 'string' || codePointLength(description) > MAX_DESCRIPTION_LENGTH)
  )
    return refused(
      'description',
      `must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`,
    );
  const refusal = await refusalOf(url, allowPrivate);
  if (refusal !== undefined) return refused('url', refusal);
  return {
    ok: true,
    fields: {
      url,
      ...(typeof group_type === 'string' ? { groupType: group_type } : {}),
      ...(typeof description === 'string' && description !== '' ? { description } : {}),
    },
  };
}
