import { writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const { gc } = globalThis as { gc?: () => void };

/** Live objects only, after a full collection (a server started with --expose-gc). */
const afterFullGc = (collect: () => void) => {
  collect();
  return {
    heapLiveBytes: process.memoryUsage().heapUsed,
    rssAfterGcBytes: process.memoryUsage.rss(),
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
    const stats = {
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      eventLoopDelayMeanMs: delay.mean / 1e6,
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
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
