import type { JsonObject } from '@groupidentify/ops';
import { send } from './http.js';
import type { TestIngest } from './ingest.js';
import { pollUntil } from './services.js';
import { readGroup } from './worker.js';

export interface OrderedLoadOptions {
  groupType: string;
  groups: readonly string[];
  /** Most identifications sent per group. */
  rounds: number;
  /** The event time (`time`) the n-th identification of a group carries; none when absent. */
  timeOf?: (n: number) => number;
}

/** Per-group ordered traffic, as a client that waits for each `200` sends it (docs/guarantees.md). */
export interface OrderedLoad {
  /** Identifications answered `200`, per group; the n-th carried `trail: n`. */
  readonly accepted: ReadonlyMap<string, number>;
  /** Answers other than `200` (`<group> <status> <body>`): a group's stream stops at its first. */
  readonly refused: readonly string[];
  /** Resolves when every group has sent its rounds (or was stopped). */
  readonly done: Promise<void>;
  /** Sends no more; resolves once every request in flight is answered. */
  stop(): Promise<void>;
}

/** Group properties of the n-th identification of a group: visible if applied twice or out of order. */
export const counted = (n: number): JsonObject => ({ $add: { count: 1 }, $append: { trail: n } });

/**
 * One sequential client per group, each sending `POST /groupidentify` with {@link counted}
 * properties, the next only after the previous got its `200`. Talks to the test ingest only.
 */
export function startOrderedLoad(ingest: TestIngest, options: OrderedLoadOptions): OrderedLoad {
  const accepted = new Map(options.groups.map((g) => [g, 0]));
  const refused: string[] = [];
  let stopped = false;
  const loop = async (group: string): Promise<void> => {
    for (let n = 0; n < options.rounds && !stopped; n++) {
      const identification = {
        group_type: options.groupType,
        group_value: group,
        group_properties: counted(n),
        ...(options.timeOf === undefined ? {} : { time: options.timeOf(n) }),
      };
      const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification } });
      if (reply.status !== 200) {
        refused.push(`${group} ${reply.status} ${reply.text}`);
        return;
      }
      accepted.set(group, n + 1);
    }
  };
  const done = Promise.all(options.groups.map(loop)).then(() => undefined);
  return {
    accepted,
    refused,
    done,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** What a group of {@link startOrderedLoad} must hold after its `n` accepted identifications. */
export function expectedAfter(
  n: number,
  timeOf?: (n: number) => number,
): { properties: JsonObject; version: number } {
  const trail = Array.from({ length: n }, (_, i) => i);
  // In an event_time project the trail is in the order of the identifications' times.
  if (timeOf !== undefined) trail.sort((a, b) => timeOf(a) - timeOf(b));
  return { properties: n === 0 ? {} : { count: n, trail }, version: n };
}

/**
 * Waits until every group has reached the version of its accepted identifications (or gone past
 * it, which the caller's exact check then reports); returns each group's state.
 */
export async function waitForAccepted(
  ingest: TestIngest,
  groupType: string,
  accepted: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<Map<string, { properties: JsonObject; version: number } | undefined>> {
  const states = new Map<string, { properties: JsonObject; version: number } | undefined>();
  const behind = () => [...accepted].filter(([group, n]) => (states.get(group)?.version ?? 0) < n);
  try {
    await pollUntil(
      async () => {
        for (const [group, n] of behind()) {
          states.set(group, await readGroup(ingest, groupType, group));
          if ((states.get(group)?.version ?? 0) < n) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 100, description: 'every accepted identification to be applied' },
    );
  } catch (error) {
    const late = behind().map(([group, n]) => ({ group, accepted: n, state: states.get(group) }));
    throw new Error(`groups behind their accepted identifications: ${JSON.stringify(late)}`, {
      cause: error,
    });
  }
  for (const group of accepted.keys()) states.set(group, await readGroup(ingest, groupType, group));
  return states;
}
