import type { AppliedSequence } from '@groupidentify/ops';
import { findByIds, insertManyOnce, type Collections } from './collections.js';
import type { InsertIdClaim } from './documents.js';

/** An item's claim on its `insert_id` within its group. */
export interface InsertIdClaimRequest {
  /** The group's `_id` (which starts with its project). */
  groupId: string;
  insertId: string;
  seq: AppliedSequence;
}

export interface InsertIdClaims {
  /**
   * Claims each `insert_id` for the first item that asks (client-retry dedup): the first claim of
   * an id wins, within the retention; returns, for each request in order, the position of the
   * item holding the claim.
   */
  claim(
    requests: readonly InsertIdClaimRequest[],
    now: Date,
  ): Promise<(AppliedSequence | undefined)[]>;
  /** Gives back claims held by these items (dead-lettered: a replay must be able to apply them). */
  release(requests: readonly InsertIdClaimRequest[]): Promise<void>;
}

// Keyed by group and insert_id: a client's retry resends the same identification to the same
// group, while one HTTP V2 event whose `groups` fans out to several groups carries one insert_id
// for all of them, and each must apply.
export const claimId = (group: string, insertId: string): string =>
  JSON.stringify([group, insertId]);

export function insertIdClaims({ insertIds }: Collections): InsertIdClaims {
  return {
    async claim(requests, now) {
      if (requests.length === 0) return [];
      const first = new Map<string, InsertIdClaim>();
      for (const r of requests) {
        const id = claimId(r.groupId, r.insertId);
        if (!first.has(id))
          first.set(id, { _id: id, group: r.groupId, seq: r.seq, created_at: now });
      }
      await insertManyOnce(insertIds, [...first.values()]);
      const holders = new Map(
        (await findByIds(insertIds, [...first.keys()])).map((c) => [c._id, c.seq]),
      );
      return requests.map((r) => holders.get(claimId(r.groupId, r.insertId)));
    },
    async release(requests) {
      if (requests.length === 0) return;
      await insertIds.deleteMany({
        $or: requests.map((r) => ({
          _id: claimId(r.groupId, r.insertId),
          'seq.epoch': r.seq.epoch,
          'seq.job': r.seq.job,
          'seq.index': r.seq.index,
        })),
      });
    },
  };
}
