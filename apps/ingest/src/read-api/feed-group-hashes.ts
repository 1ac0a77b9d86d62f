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
    c.group_value === undefined ? c : { ...c, group_hash: cachedHash(key, c.group_value) },
  );
  return { ...page, items };
}

/**
 * The hashes of recently delivered groups. Every reader of a project gets every change, so
 * without it a hundred long polls computed each change's HMAC a hundred times (a tenth of
 * ingest's CPU under such a load). Keyed by the project's erasure key and the value; the oldest
 * go first beyond {@link MAX_CACHED}.
 */
const hashes = new Map<string, string>();
const MAX_CACHED = 20_000;

function cachedHash(key: string, value: string): string {
  const id = `${key}\u0000${value}`;
  let hash = hashes.get(id);
  if (hash === undefined) {
    hash = groupHash(key, value);
    if (hashes.size >= MAX_CACHED) hashes.delete(hashes.keys().next().value as string);
    hashes.set(id, hash);
  }
  return hash;
}
