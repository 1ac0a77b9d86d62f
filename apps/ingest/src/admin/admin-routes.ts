import { Router } from 'express';
import type { Queue } from 'bullmq';
import type { JobPayload } from '@groupidentify/queue-contract';
import type { Store } from '@groupidentify/store';
import type { BacklogMonitor } from '../backlog-monitor.js';

/** What the operator endpoints need. */
export interface AdminDeps {
  /** `ADMIN_TOKEN`: requests present it as `Authorization: Bearer <token>`. */
  token: string;
  store: Store;
  /** The partition queues, by partition. */
  queues: readonly Queue<JobPayload>[];
  backlog: BacklogMonitor;
  partitions: number;
}

/** Operator endpoints under `/api/admin` (docs/console.md), mounted only with `ADMIN_TOKEN`. */
export function adminRoutes(_deps: AdminDeps): Router {
  return Router();
}
