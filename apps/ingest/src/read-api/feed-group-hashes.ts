import { groupHash, type ChangeView, type Store } from '@groupidentify/store';

/**
 * Adds to each change of a feed page the keyed hash of its group's value (`group_hash`), which
 * is all that an erasure's `delete` entry carries of it (docs/api.md#changes): a reader matches a
 * `delete` with the changes it received before by that hash, without any key.
 */
export async function withGroupHashes<P extends { items: ChangeView[] }>(
  store: Pick<Store, 'erasureKeys'>,
  project: string,
  page: P,
): Promise<P> {
  if (page.items.every((c) => c.group_value === undefined)) return page;
  const key = await store.erasureKeys.keyOf(project);
  const items = page.items.map((c) =>
    c.group_value === undefined ? c : { ...c, group_hash: groupHash(key, c.group_value) },
  );
  return { ...page, items };
}
