import { performance } from 'node:perf_hooks';

/** What one request of an {@link OrderedSenders} stream got back. */
export interface Outcome {
  group: string;
  /** Position of the request in its group's stream; also sent as the property `seq`. */
  seq: number;
  /** HTTP status, or 0 when no response came (connection error, timeout). */
  status: number;
  body: string;
  retryAfter: string | null;
  /** `performance.now()` when the request was sent. */
  startedAt: number;
  /** Time to the full response (or to the error). */
  ms: number;
  error?: string;
}

export interface OrderedSenders {
  /** Every outcome so far, in completion order. */
  readonly outcomes: readonly Outcome[];
  /** Outcomes of one group, in send order. */
  of(group: string): Outcome[];
  /** Stops sending and waits for each group's request in flight. */
  stop(): Promise<void>;
}

export interface OrderedSendersOptions {
  url: string;
  apiKey: string;
  groupType: string;
  groups: readonly string[];
  /** A request without a response after this long counts as an error (a hang, not a 503). */
  timeoutMs?: number;
}

/**
 * One client per group, each sending `POST /groupidentify` with `{seq: n}` back to back, waiting
 * for every answer before the next request: the order in which a group's requests got 200 is the
 * order docs/guarantees.md says they must be applied in.
 */
export function startOrderedSenders(options: OrderedSendersOptions): OrderedSenders {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const send = async (group: string, seq: number): Promise<Outcome> => {
    const identification = { group_type: options.groupType, group_value: group };
    const body = new URLSearchParams({
      api_key: options.apiKey,
      identification: JSON.stringify({ ...identification, group_properties: { seq } }),
    });
    const startedAt = performance.now();
    const base = { group, seq, startedAt };
    try {
      const res = await fetch(`${options.url}/groupidentify`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      const ms = performance.now() - startedAt;
      return {
        ...base,
        status: res.status,
        body: text,
        retryAfter: res.headers.get('retry-after'),
        ms,
      };
    } catch (error) {
      const ms = performance.now() - startedAt;
      return { ...base, status: 0, body: '', retryAfter: null, ms, error: String(error) };
    }
  };
  const loops = options.groups.map(async (group) => {
    for (let seq = 0; !stopped; seq++) outcomes.push(await send(group, seq));
  });
  return {
    outcomes,
    of: (group) => outcomes.filter((o) => o.group === group),
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
