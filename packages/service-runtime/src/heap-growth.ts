import { setFlagsFromString } from 'node:v8';
import { intSetting } from './settings.js';

/**
 * `HEAP_GROWING_PERCENT`: how far V8 lets the old generation grow past what survived the last
 * full collection before it collects again. It is not a cap: a burst of live data still gets the
 * heap it needs. V8's own heuristics (0) let it grow up to 4× under a steady allocation rate. Each
 * app picks its default by measurement (BENCHMARKS.md, "Memory"): ingest 50 (its RSS under load
 * ~225 → ~145 MB, throughput within noise); the worker 100 (its RSS ~245–275 → ~185–200 MB with its
 * apply rate within noise; at 50 it applied ~20 % less: its batches keep much alive, so full
 * collections came too often).
 */
export const heapSettings = (defaultPercent: number) => ({
  HEAP_GROWING_PERCENT: intSetting(0, defaultPercent),
});

/** The V8 flag for `percent` (0: none, V8 decides). */
export function heapGrowingFlag(percent: number): string | undefined {
  return percent > 0 ? `--heap-growing-percent=${percent}` : undefined;
}

/** Applies `HEAP_GROWING_PERCENT` to this process (V8 reads it at every full collection). */
export function boundHeapGrowth(percent: number): void {
  const flag = heapGrowingFlag(percent);
  if (flag !== undefined) setFlagsFromString(flag);
}
