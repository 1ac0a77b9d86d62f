// Preloaded into a server by bench/ingest-breakdown.ts (`node --import`): every second, one JSON
// line with the event loop's delay (p50/p99/max since the last line) and the GC pauses in that
// second. Not used by `npm run bench` or in production.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let gc = { count: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count += 1;
    gc.totalMs += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });
setInterval(() => {
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  const { heapUsed, rss } = process.memoryUsage();
  const loop = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
  const line = {
    loop,
    gc,
    heapMb: Math.round(heapUsed / 2 ** 20),
    rssMb: Math.round(rss / 2 ** 20),
  };
  console.log(JSON.stringify({ monitor: line }));
  delay.reset();
  gc = { count: 0, totalMs: 0, maxMs: 0 };
}, 1000).unref();
