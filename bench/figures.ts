import { median } from './http-load.js';
import type { IngestFigures } from './ingest-phase.js';
import type { ImportFigures } from './import-phase.js';
import type { LateFigures } from './late-phase.js';
import type { LookupFigures } from './lookup-phase.js';
import type { NeighbourFigures } from './neighbour-phase.js';
import type { PipelineFigures } from './pipeline-phase.js';
import type { ScaleFigures } from './scale-phase.js';
import type { StackFigures } from './stack-phase.js';
import { webhookRates, type WebhookFigures } from './webhook-phase.js';
import type { WhereFigures } from './where-phase.js';

/** The `--json` keys (docs/performance.md), one number each. */
export interface Figures {
  ingest_1_ratio: number;
  ingest_100_ids_per_s: number;
  apply_ratio: number;
  hot_group_ratio: number;
  ingest_p99_ms: number;
  /**
   * The embedded default (`npm run stack`'s processes): accepted → readable p99 at half of the
   * most it applies under a paced load of 100, and of 10, identifications per request.
   */
  lag_p99_ms: number;
  lag_p99_ms_10: number;
  /**
   * The highest paced rate whose accepted → readable p99 ≤ 1 s, over the most the embedded default
   * applies under a paced load of the same shape: the lower of 100 and 10 per request.
   */
  capacity_at_1s_ratio: number;
  /** The most the embedded default applies under a paced load, 10 and 100 per request. */
  stack_max_10_ids_per_s: number;
  stack_max_100_ids_per_s: number;
  ingest_rss_mb: number;
  worker_rss_mb: number;
  workers_2_vs_1: number;
  /** Ingest p99 ÷ the bare route's p99 at the same paced rate. */
  ingest_p99_ratio: number;
  /**
   * Ingest against the route that answers after adding one BullMQ job to the same partition
   * queues (the cost of the `success` contract itself): requests/s at 1 identification/request,
   * and p99 at the same paced rate.
   */
  ingest_1_vs_bullmq_ratio: number;
  ingest_p99_vs_bullmq_ratio: number;
  /** Ingest peak RSS − the bare route's peak RSS under the same load, MB. */
  ingest_rss_over_bare_mb: number;
  /**
   * The bare route answering once it has written the body to Redis (one `RPUSH`), or once it has
   * added one BullMQ job to ingest's partition queues: requests/s at 1 identification/request ÷
   * the bare route's, and p99 at ingest's half-of-max rate ÷ the bare route's. What the `success`
   * contract costs with none of ingest's own code.
   */
  redis_route_1_ratio: number;
  bullmq_route_1_ratio: number;
  redis_route_p99_ratio: number;
  bullmq_route_p99_ratio: number;
  /** Sustained apply rate with the large collection ÷ with the small one (same load). */
  apply_scale_ratio: number;
  /**
   * The embedded default: apply rate ÷ the rate its ingest accepted, closed-loop load of 10
   * ids/request over 10,000 groups.
   */
  stack_apply_vs_ingest: number;
  /**
   * How much later than applied a long-polling change feed client has a change, p99 at half of
   * max load: accepted → delivered p99 − accepted → applied p99 (the worker's), same run.
   */
  feed_lag_p99_ms: number;
  /**
   * The same client, change by change: from the notice of its commit (published right after it)
   * until delivered, p99. What the feed itself adds, free of the apply lag's own spread.
   */
  feed_delay_p99_ms: number;
  /** PostHog `/batch/` identifications/s ÷ `/groupidentify`'s, 100 per request both. */
  posthog_vs_groupidentify: number;
  /** Median ms of a count with `where` on an indexed property, at the small and large size. */
  where_count_small_ms: number;
  where_count_large_ms: number;
  /** Large ÷ small: about 1 when the index serves the condition, the size ratio when it scans. */
  where_scale_ratio: number;
  /** The same for the first page of a range on the indexed property. */
  where_page_scale_ratio: number;
  /** The same for the count of all groups of the type (no `where`). */
  count_all_scale_ratio: number;
  /**
   * Project B's single-group reads on the embedded default, p99 alone and while project A floods
   * ingest, counts unindexed and holds more long polls than it may; loaded ÷ alone.
   */
  neighbour_read_p99_ms: number;
  neighbour_read_p99_loaded_ms: number;
  neighbour_read_p99_ratio: number;
  /**
   * Groups read per second through `POST /api/groups/lookup` in batches of 1,000 ÷ through one
   * `GET` each, same concurrency; and the batch rate itself.
   */
  lookup_batch_ratio: number;
  lookup_keys_per_s: number;
  /**
   * `groups import` of new groups on the embedded default, lines per second from its start until
   * the workers applied the last line ÷ the store's bulk upserts of as many new documents.
   */
  import_ratio: number;
  import_lines_per_s: number;
  /**
   * An `event_time` project on the embedded default: apply rate with 10 % of identifications up
   * to an hour late ÷ in order, same run; and the late rate itself.
   */
  late_apply_ratio: number;
  late_apply_ids_per_s: number;
  /**
   * Webhooks, measured on the processes `npm run stack` starts (its defaults, but
   * `DESTINATIONS_ALLOW_PRIVATE=true`): changes per second delivered to a receiver on 127.0.0.1
   * that answers 204 at once (first deliveries by `webhook-id`, from the destination's creation
   * until the last arrived) ÷ the change feed's read rate over the same backlog of applied
   * changes (a client paging `/api/changes` as fast as it can from the same start); medians.
   */
  webhook_vs_feed_ratio: number;
  /**
   * The same processes, a destination active under a paced load at half of the most they apply
   * (100 per request): each change's arrival at the receiver − its `applied_at`, p99.
   */
  webhook_lag_p99_ms: number;
}

/** What every phase of one run measured. */
export interface Phases {
  ingest: IngestFigures;
  pipe: PipelineFigures;
  scale: ScaleFigures;
  stack: StackFigures;
  where: WhereFigures;
  neighbours: NeighbourFigures;
  lookup: LookupFigures;
  imported: ImportFigures;
  late: LateFigures;
  webhooks: WebhookFigures;
}

export function figuresOf(phases: Phases): Figures {
  const { ingest, pipe, scale, stack, where, neighbours, lookup, imported, late, webhooks } =
    phases;
  const round = (x: number, digits: number) => Number(x.toFixed(digits));
  const [s10, s100] = stack.shapes;
  if (s10 === undefined || s100 === undefined) throw new Error('internal: a shape is missing');
  const hooks = webhookRates(webhooks);
  return {
    ingest_1_ratio: round(median(ingest.ingest1) / median(ingest.bare1), 3),
    ingest_100_ids_per_s: Math.round(median(ingest.ingest100) * 100),
    apply_ratio: round(pipe.drain1.idsPerSec / pipe.store.idsPerSec, 3),
    hot_group_ratio: round(pipe.hot.idsPerSec / pipe.naive.idsPerSec, 2),
    ingest_p99_ms: round(ingest.p99Ms, 2),
    lag_p99_ms: Math.round(s100.half.p99Ms),
    lag_p99_ms_10: Math.round(s10.half.p99Ms),
    capacity_at_1s_ratio: Math.min(s10.capacityFraction, s100.capacityFraction),
    stack_max_10_ids_per_s: Math.round(s10.maxPerSec),
    stack_max_100_ids_per_s: Math.round(s100.maxPerSec),
    ingest_rss_mb: Math.round(ingest.ingestRssMb),
    worker_rss_mb: Math.round(
      Math.max(
        pipe.workerRssMb,
        stack.workerRssMb,
        ...[scale.small, scale.large].map((r) => r.workerRssMb),
      ),
    ),
    workers_2_vs_1: round(pipe.drain2.idsPerSec / pipe.drain1.idsPerSec, 3),
    ingest_p99_ratio: round(ingest.p99Ms / ingest.bareP99Ms, 2),
    ingest_1_vs_bullmq_ratio: round(
      median(ingest.ingest1) / median(ingest.baselines.bullmq.reqPerSec1),
      3,
    ),
    ingest_p99_vs_bullmq_ratio: round(ingest.p99Ms / ingest.baselines.bullmq.p99Ms, 2),
    ingest_rss_over_bare_mb: Math.round(ingest.ingestRssMb - ingest.bareRssMb),
    redis_route_1_ratio: round(median(ingest.baselines.redis.reqPerSec1) / median(ingest.bare1), 3),
    bullmq_route_1_ratio: round(
      median(ingest.baselines.bullmq.reqPerSec1) / median(ingest.bare1),
      3,
    ),
    redis_route_p99_ratio: round(ingest.baselines.redis.p99Ms / ingest.bareP99Ms, 2),
    bullmq_route_p99_ratio: round(ingest.baselines.bullmq.p99Ms / ingest.bareP99Ms, 2),
    apply_scale_ratio: round(scale.large.appliedPerSec / scale.small.appliedPerSec, 3),
    stack_apply_vs_ingest: round(stack.steady.appliedPerSec / stack.steady.acceptedPerSec, 3),
    feed_lag_p99_ms: Math.round(stack.feed.acceptedToDeliveredP99Ms - s100.half.p99Ms),
    feed_delay_p99_ms: Math.round(stack.feed.announcedToDeliveredP99Ms),
    posthog_vs_groupidentify: round(
      ingest.posthog.posthogIdsPerSec / ingest.posthog.groupIdentifyIdsPerSec,
      3,
    ),
    where_count_small_ms: round(where.small.countEqMs, 1),
    where_count_large_ms: round(where.large.countEqMs, 1),
    where_scale_ratio: round(where.large.countEqMs / where.small.countEqMs, 2),
    where_page_scale_ratio: round(where.large.listRangeMs / where.small.listRangeMs, 2),
    count_all_scale_ratio: round(where.large.countAllMs / where.small.countAllMs, 2),
    neighbour_read_p99_ms: round(neighbours.unloaded.p99Ms, 1),
    neighbour_read_p99_loaded_ms: round(neighbours.loaded.p99Ms, 1),
    neighbour_read_p99_ratio: round(neighbours.loaded.p99Ms / neighbours.unloaded.p99Ms, 2),
    lookup_batch_ratio: round(lookup.batchKeysPerSec / lookup.singleKeysPerSec, 1),
    lookup_keys_per_s: Math.round(lookup.batchKeysPerSec),
    import_ratio: round(imported.linesPerSec / imported.storeIdsPerSec, 2),
    import_lines_per_s: Math.round(imported.linesPerSec),
    late_apply_ratio: round(late.lateIdsPerSec / late.inOrderIdsPerSec, 2),
    late_apply_ids_per_s: Math.round(late.lateIdsPerSec),
    webhook_vs_feed_ratio: round(hooks.delivered / hooks.read, 3),
    webhook_lag_p99_ms: Math.round(webhooks.lag.appliedToArrivedP99Ms),
  };
}
