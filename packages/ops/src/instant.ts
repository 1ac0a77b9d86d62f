/**
 * An instant as the API and the CLI take it (`as_of`, `--as-of`): an ISO 8601 date-time such as
 * `2026-01-31T12:00:00Z`, or a date (midnight UTC). Undefined for anything else.
 */
export function parseInstant(text: string): Date | undefined {
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(time) ? undefined : new Date(time);
}
