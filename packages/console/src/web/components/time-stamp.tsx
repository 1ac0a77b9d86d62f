import { formatInstant } from '../format/instants';

/** An instant in the viewer's time zone; its ISO-8601 value on hover and for machines. */
export function TimeStamp({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={iso}>
      {formatInstant(iso)}
    </time>
  );
}
