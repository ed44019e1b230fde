import { writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const { gc } = globalThis as { gc?: () => void };

/** Committed bytes of each V8 heap space (new, old, code, large objects…). */
const heapSpaces = () =>
  Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));

/** Live objects only, after a full collection (a server started with --expose-gc). */
const afterFullGc = (collect: () => void) => {
  collect();
  const usage = process.memoryUsage();
  return {
    heapLiveBytes: usage.heapUsed,
    rssAfterGcBytes: usage.rss,
    // A full GC frees objects but keeps most pages: V8 compacts and unmaps them only in the
    // memory-reducing GCs its memory reducer starts on its own, some seconds after activity stops.
    heapCommittedAfterGcBytes: usage.heapTotal,
  };
};

/**
 * `--stats-file FILE`: on SIGUSR2 the server writes its event-loop delay (since the previous
 * signal) and memory to FILE as one JSON object, then starts a new measurement window. Benchmarks
 * use it to see how responsive the server stayed under load without touching the protocol;
 * `more` adds the server's own figures (back-pressure's high-water marks, intake.ts).
 */
export function reportStatsOnSignal(file: string, more: () => object = () => ({})): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const onSignal = () => {
    const usage = process.memoryUsage();
    const stats = {
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      eventLoopDelayMeanMs: delay.mean / 1e6,
      rssBytes: usage.rss,
      heapUsedBytes: usage.heapUsed,
      // What V8 holds for its heap (garbage and empty pages included) and outside it.
      heapCommittedBytes: usage.heapTotal,
      externalBytes: usage.external,
      heapSpaces: heapSpaces(),
      // Live objects only, when the bench started the server with --expose-gc (idle memory):
      // steadier than RSS, which V8 grows in steps.
      ...(gc ? afterFullGc(gc) : {}),
      ...more(),
    };
    delay.reset();
    void writeFile(file, `${JSON.stringify(stats)}\n`).catch(() => {});
  };
  process.on('SIGUSR2', onSignal);
  return () => {
    process.off('SIGUSR2', onSignal);
    delay.disable();
  };
}
