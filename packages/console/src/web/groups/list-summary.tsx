import { formatCount } from '../format/numbers';

interface Props {
  loading: boolean;
  groupType: string | undefined;
  /** Groups on the pages before this one. */
  offset: number;
  shown: number;
  page: number;
  more: boolean;
}

/**
 * What the list shows, counted: "Groups 51–100 of type “org” · page 2 · more on the next page".
 * The total is not known yet (the API has no count); `GET /api/groups/count` will add "of N" here.
 */
export function ListSummary({ loading, groupType, offset, shown, page, more }: Props) {
  const which = groupType === undefined ? 'of every type' : `of type “${groupType}”`;
  let text: string;
  if (loading) text = 'Loading…';
  else if (shown === 0) text = `No groups ${which}${page > 1 ? ' on this page' : ''}.`;
  else
    text =
      `Groups ${formatCount(offset + 1)}–${formatCount(offset + shown)} ${which} · ` +
      `page ${formatCount(page)} · ${more ? 'more on the next page' : 'no more pages'}`;
  return (
    <p class="summary" role="status" aria-live="polite">
      {text}
    </p>
  );
}
