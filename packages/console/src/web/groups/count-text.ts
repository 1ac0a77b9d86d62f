import { formatCount } from '../format/numbers';

/** `GET /api/groups/count` in words: "1,234 groups match" with a `where`, "1,234 groups" without. */
export function countText(count: number, filtered: boolean): string {
  const groups = `${formatCount(count)} group${count === 1 ? '' : 's'}`;
  if (!filtered) return groups;
  return `${groups} ${count === 1 ? 'matches' : 'match'}`;
}
