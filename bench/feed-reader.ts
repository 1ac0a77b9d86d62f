/** What a long-polling change feed client saw: per change, applied → delivered and accepted → delivered. */
export interface FeedSamples {
  appliedToDeliveredMs: number[];
  acceptedToDeliveredMs: number[];
}

/**
 * A client of `GET /api/changes` long-polling from now (docs/api.md#change-feed), as a
 * downstream system would: pages of up to 1,000, `wait_ms=30000`. Records, for every change,
 * how long after its `applied_at` (and its `accepted_at`) it was in the client's hands.
 */
export function startFeedReader(ingestUrl: string, auth: string) {
  const samples: FeedSamples = { appliedToDeliveredMs: [], acceptedToDeliveredMs: [] };
  const abort = new AbortController();
  const get = async (after: string, waitMs: number) => {
    const res = await fetch(
      `${ingestUrl}/api/changes?after=${after}&limit=1000&wait_ms=${waitMs}`,
      { headers: { authorization: auth }, signal: abort.signal },
    );
    if (!res.ok) throw new Error(`GET /api/changes: ${res.status} ${await res.text()}`);
    return (await res.json()) as {
      items: { applied_at: string; accepted_at: string }[];
      next_cursor: string;
    };
  };
  let started: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const done = (async () => {
    let cursor = (await get('now', 0)).next_cursor;
    started();
    while (!abort.signal.aborted) {
      const page = await get(cursor, 30_000).catch((error: unknown) => {
        if (abort.signal.aborted) return undefined;
        throw error;
      });
      if (page === undefined) return;
      const now = Date.now();
      for (const c of page.items) {
        samples.appliedToDeliveredMs.push(now - Date.parse(c.applied_at));
        samples.acceptedToDeliveredMs.push(now - Date.parse(c.accepted_at));
      }
      cursor = page.next_cursor;
    }
  })();
  return {
    samples,
    /** Resolves once the reader holds its starting cursor. */
    ready,
    async stop(): Promise<FeedSamples> {
      abort.abort();
      await done;
      return samples;
    },
  };
}
