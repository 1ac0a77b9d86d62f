import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'vitest';
import type { TestIngest } from './ingest.js';
import { readGroup } from './worker.js';
import { pollUntil } from './services.js';

/**
 * One client per group, each sending `{$add: {count: 1}, $append: {trail: i}}` for i = 0, 1, …
 * and waiting for every answer before the next request, `intervalMs` apart (the load's rate,
 * not a wait for a condition). A group's accepted `i`s, in order, are what docs/guarantees.md says its
 * `trail` must become; `count` must equal the trail's length (no `$add` twice, none lost).
 */
export interface TrailLoad {
  readonly groupType: string;
  readonly groups: readonly string[];
  /** The `i`s that got `200`, in send order. */
  accepted(group: string): number[];
  /** The `i`s without a clear answer (no response, 5xx): they may or may not be applied. */
  unsure(group: string): number[];
  /** `200`s of all groups so far. */
  acceptedCount(): number;
  /** Non-200 answers by status (0 = no response). */
  readonly failures: Map<number, number>;
  /** Stops sending and waits for each group's request in flight. */
  stop(): Promise<void>;
}

export interface TrailLoadOptions {
  ingest: TestIngest;
  groupType: string;
  groups: readonly string[];
  intervalMs: number;
  /** First `i` of every group (default 0): a second load on the same groups starts higher. */
  from?: number;
  timeoutMs?: number;
}

export function startTrailLoad(options: TrailLoadOptions): TrailLoad {
  const accepted = new Map(options.groups.map((g) => [g, [] as number[]]));
  const unsure = new Map(options.groups.map((g) => [g, [] as number[]]));
  const failures = new Map<number, number>();
  let total = 0;
  let stopped = false;
  const send = async (group: string, i: number): Promise<number> => {
    const identification = {
      group_type: options.groupType,
      group_value: group,
      group_properties: { $add: { count: 1 }, $append: { trail: i } },
    };
    try {
      const res = await fetch(`${options.ingest.url}/groupidentify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: options.ingest.apiKey, identification }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await res.text();
      return res.status;
    } catch {
      return 0;
    }
  };
  const loops = options.groups.map(async (group) => {
    for (let i = options.from ?? 0; !stopped; i++) {
      const status = await send(group, i);
      if (status === 200) {
        accepted.get(group)?.push(i);
        total++;
      } else {
        failures.set(status, (failures.get(status) ?? 0) + 1);
        // A 4xx is a clear "not enqueued"; anything else may have reached the queue.
        if (status === 0 || status >= 500) unsure.get(group)?.push(i);
      }
      await delay(options.intervalMs);
    }
  });
  return {
    groupType: options.groupType,
    groups: options.groups,
    accepted: (g) => [...(accepted.get(g) ?? [])],
    unsure: (g) => [...(unsure.get(g) ?? [])],
    acceptedCount: () => total,
    failures,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/**
 * Waits until each group has applied the last `i` accepted by the time of the call (with order
 * kept, all before it too), while the load may go on.
 */
export async function waitForAccepted(
  ingest: TestIngest,
  load: TrailLoad,
  timeoutMs: number,
): Promise<void> {
  const lastAccepted = new Map(load.groups.map((g) => [g, load.accepted(g).at(-1)]));
  await pollUntil(
    async () => {
      for (const g of load.groups) {
        const last = lastAccepted.get(g);
        if (last === undefined) continue;
        const group = await readGroup(ingest, load.groupType, g);
        const trail = group?.properties['trail'];
        if (!Array.isArray(trail) || !trail.includes(last)) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 50, description: 'every accepted identification applied' },
  );
}

/**
 * Each group's final state is exactly its accepted identifications, in order, each once: the
 * trail is strictly increasing, holds every accepted `i` and nothing but accepted or unsure ones,
 * and `count` and `version` equal its length. `earlier` loads on the same groups (with lower
 * `i`s) count too. Returns the number of identifications applied.
 */
export async function expectExactTrails(
  ingest: TestIngest,
  load: TrailLoad,
  earlier: readonly TrailLoad[] = [],
): Promise<number> {
  let applied = 0;
  const loads = [...earlier, load];
  for (const g of load.groups) {
    const accepted = loads.flatMap((l) => l.accepted(g));
    const allowed = new Set([...accepted, ...loads.flatMap((l) => l.unsure(g))]);
    const group = await readGroup(ingest, load.groupType, g);
    const trail = (group?.properties['trail'] ?? []) as number[];
    expect(
      trail.filter((i) => !allowed.has(i)),
      `${g}: never sent or refused`,
    ).toStrictEqual([]);
    expect(
      trail.filter((i, k) => k > 0 && i <= (trail[k - 1] ?? -1)),
      `${g}: out of order or twice`,
    ).toStrictEqual([]);
    const kept = new Set(trail);
    expect(
      accepted.filter((i) => !kept.has(i)),
      `${g}: accepted but lost`,
    ).toStrictEqual([]);
    expect(group?.properties['count'], `${g}: count`).toBe(trail.length);
    expect(group?.version, `${g}: version`).toBe(trail.length);
    applied += trail.length;
  }
  return applied;
}
