/**
 * `2026-01-31`, or `2026-01-31T12:00` (or a space for the `T`, as RFC 3339 allows), `…:00`,
 * `…:00.250`, then `Z`, `+01:00`, `+0100` or `+01` (or no offset: UTC). The fields are checked
 * below: a day past its month's end is no date.
 */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * An instant as the API and the CLI take it (`as_of`, `--as-of`, an identification's `time`): an
 * ISO 8601 date-time such as `2026-01-31T12:00:00Z` or `2026-01-31T13:00:00.250+01:00`, or a
 * date (midnight UTC). A date-time without an offset is UTC, never the server's own time zone.
 * Undefined for anything else, an impossible date (`2026-02-30`) or time (`24:00`) included:
 * `Date.parse` alone takes `2026-02-30` as 2 March and free text after a date.
 */
export function parseInstant(text: string): Date | undefined {
  const match = ISO_INSTANT.exec(text);
  if (match === null) return undefined;
  const field = (group: number) => Number(match[group] ?? 0);
  const [year, month, day] = [field(1), field(2), field(3)] as const;
  const [hour, minute, second] = [field(4), field(5), field(6)] as const;
  const ms = Number((match[7] ?? '0').slice(0, 3).padEnd(3, '0'));
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, ms);
  const offset = offsetMinutes(match[8]);
  return offset === undefined ? undefined : new Date(date.getTime() - offset * 60_000);
}

/** `Z`, `+01:00`, `-0530`, `+01` or none, in minutes east of UTC; undefined past 23:59. */
function offsetMinutes(text: string | undefined): number | undefined {
  if (text === undefined || text.toUpperCase() === 'Z') return 0;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return undefined;
  return (text.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
