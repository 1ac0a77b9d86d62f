import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// CI runs the benchmark in --quick mode only to prove the harness works end to end (it
// starts and stops its own Redis and store). No speed is asserted anywhere: only that every figure
// is produced.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEYS = [
  'ingest_1_ratio',
  'ingest_100_ids_per_s',
  'apply_ratio',
  'hot_group_ratio',
  'ingest_p99_ms',
  'lag_p99_ms',
  'lag_p99_ms_10',
  'capacity_at_1s_ratio',
  'stack_max_10_ids_per_s',
  'stack_max_100_ids_per_s',
  'ingest_1_vs_bullmq_ratio',
  'ingest_p99_vs_bullmq_ratio',
  'ingest_rss_mb',
  'worker_rss_mb',
  'workers_2_vs_1',
  'ingest_p99_ratio',
  'ingest_rss_over_bare_mb',
  'redis_route_1_ratio',
  'bullmq_route_1_ratio',
  'redis_route_p99_ratio',
  'bullmq_route_p99_ratio',
  'apply_scale_ratio',
  'stack_apply_vs_ingest',
  'posthog_vs_groupidentify',
  'where_count_small_ms',
  'where_count_large_ms',
  'where_scale_ratio',
  'where_page_scale_ratio',
  'count_all_scale_ratio',
  'feed_lag_p99_ms',
  'feed_delay_p99_ms',
  'neighbour_read_p99_ms',
  'neighbour_read_p99_loaded_ms',
  'neighbour_read_p99_ratio',
  'lookup_batch_ratio',
  'lookup_keys_per_s',
  'import_ratio',
  'import_lines_per_s',
  'late_apply_ratio',
  'late_apply_ids_per_s',
  'webhook_vs_feed_ratio',
  'webhook_lag_p99_ms',
];
// The quick run takes about 160 s alone here and 176 s was seen in a clean-clone CI run on this
// shared 2-core machine: the limit stops a bench that hangs, with room for a slow day.
const TIMEOUT_MS = 420_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runQuickBench(): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@groupidentify/source',
        '--import',
        'tsx',
        'bench/run.ts',
        '--quick',
        '--json',
        '--no-write',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // SIGINT lets the bench stop the servers and children it started.
    const timer = setTimeout(() => child.kill('SIGINT'), TIMEOUT_MS - 10_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench -- --quick', () => {
  it(
    'prints one JSON line with every figure, each a finite number (positive but for a difference or a capacity)',
    async () => {
      const run = await runQuickBench();
      expect(run.code, run.stderr.slice(-4000)).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const figures = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
      expect(Object.keys(figures).sort()).toEqual([...KEYS].sort());
      for (const key of KEYS) {
        const value = figures[key];
        expect(typeof value, key).toBe('number');
        // A difference may be ≤ 0, and a capacity 0 (no fraction tried met its target).
        const positive = ![
          'ingest_rss_over_bare_mb',
          'feed_lag_p99_ms',
          'capacity_at_1s_ratio',
        ].includes(key);
        const ok = Number.isFinite(value) && (!positive || (value as number) > 0);
        expect(ok, `${key} = ${String(value)}`).toBe(true);
      }
    },
    TIMEOUT_MS,
  );
});
