import { formatCount } from '../format/numbers';

interface Props {
  loading: boolean;
  /** The list could not be had (the error is shown beside the filter, or below). */
  failed: boolean;
  groupType: string | undefined;
  /** Whether a `where` narrows the list. */
  filtered: boolean;
  /** Groups on the pages before this one. */
  offset: number;
  shown: number;
  page: number;
  more: boolean;
}

/**
 * What the list shows, counted: "Groups 51–100 of type “org” matching the filter · page 2 · more
 * on the next page". The total is <GroupCount>'s, beside this (it may come later).
 */
export function ListSummary({
  loading,
  failed,
  groupType,
  filtered,
  offset,
  shown,
  page,
  more,
}: Props) {
  const which = groupType === undefined ? 'of every type' : `of type “${groupType}”`;
  const onThisPage = page > 1 ? ' on this page' : '';
  let text: string;
  if (loading) text = 'Loading…';
  else if (failed) text = 'No groups listed.';
  else if (shown === 0 && filtered)
    text = `No groups ${groupType === undefined ? '' : `${which} `}match the filter${onThisPage}.`;
  else if (shown === 0) text = `No groups ${which}${onThisPage}.`;
  else
    text =
      `Groups ${formatCount(offset + 1)}–${formatCount(offset + shown)} ${which}` +
      `${filtered ? ' matching the filter' : ''} · ` +
      `page ${formatCount(page)} · ${more ? 'more on the next page' : 'no more pages'}`;
  return (
    <p class="summary" role="status" aria-live="polite">
      {text}
    </p>
  );
}
