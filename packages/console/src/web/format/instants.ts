// Times are shown in the viewer's time zone, their ISO-8601 value (UTC, as the API gives it)
// on hover; the instant inputs are local times too, as the browser's pickers are.

const local = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  timeZoneName: 'short',
});

/** "31 Jan 2026, 17:30:00.123 GMT+5:30" for the viewer; the ISO text if it is not a date. */
export function formatInstant(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : local.format(date);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The value of an `<input type="datetime-local" step="0.001">` for an instant, local time. */
export function toLocalInput(date: Date): string {
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}`
  );
}

/** The instant a datetime-local value names (local time), as ISO-8601; undefined if invalid. */
export function fromLocalInput(value: string): string | undefined {
  // A date-time without an offset is local time (ECMAScript's Date parsing rule for this form).
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
