import type { Collections } from './collections.js';
import type { ImportRunDocument } from './documents.js';

/** Runs of `groups import`, so that an interrupted one can be resumed (docs/import.md). */
export interface ImportRuns {
  /** The latest run of this file (by its SHA-256) into this project, if any. */
  latest(project: string, fileSha256: string): Promise<ImportRunDocument | undefined>;
  start(run: ImportRunDocument): Promise<void>;
  /** Every line up to `line` is durably queued. */
  checkpoint(id: string, line: number, now: Date): Promise<void>;
  /** Every line is queued. */
  finish(id: string, now: Date): Promise<void>;
}

export function importRuns({ importRuns: runs }: Collections): ImportRuns {
  return {
    async latest(project, fileSha256) {
      const [run] = await runs
        .find({ project, file_sha256: fileSha256 })
        .sort({ started_at: -1 })
        .limit(1)
        .toArray();
      return run ?? undefined;
    },
    async start(run) {
      await runs.insertOne(run);
    },
    async checkpoint(id, line, now) {
      await runs.updateOne({ _id: id }, { $set: { queued_through: line, updated_at: now } });
    },
    async finish(id, now) {
      await runs.updateOne({ _id: id }, { $set: { updated_at: now, finished_at: now } });
    },
  };
}
