import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full GC left alive before it
 * collects again. V8 picks a factor of up to 4× on its own when collecting is cheap; after a
 * login storm that leaves the old generation at about three times the sessions' live objects,
 * garbage promoted during the logins, on pages the sessions' objects keep half-used, and V8 gives
 * those back only when its memory reducer runs, 10 to 60 s after the storm. Doubling at most
 * (docs/BENCHMARKS.md, "Idle memory: where the rest goes") keeps 10,000 idle sessions at about
 * 10 KiB of RSS each instead of 13 to 15, for a few more full GCs during the storm.
 */
export const HEAP_GROWING_PERCENT = 100;

/** Sets the growth limit unless the process was started with a value of its own. */
export function leanHeap(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
  setFlags: (flags: string) => void = setFlagsFromString,
): void {
  const own = [...execArgv, ...nodeOptions.split(/\s+/)].some((flag) =>
    /^--heap[-_]growing[-_]percent\b/.test(flag),
  );
  // V8 reads this flag at every full GC, so setting it after start-up takes effect.
  if (!own) setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
