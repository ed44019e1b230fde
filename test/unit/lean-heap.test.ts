import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEAP_GROWING_PERCENT, leanHeap } from '../../src/cli/lean-heap.js';

const setFlagsFor = (execArgv: string[], nodeOptions = ''): string[] => {
  const set: string[] = [];
  leanHeap(execArgv, nodeOptions, (flags) => set.push(flags));
  return set;
};

test('the server limits how far the old generation grows between full GCs', () => {
  assert.equal(setFlagsFor(['--expose-gc']), [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
});

test('a value given to node, on its command line or in NODE_OPTIONS, is left as it is', () => {
  assert.equal(setFlagsFor(['--heap-growing-percent=30']), []);
  assert.equal(setFlagsFor(['--heap_growing_percent=30']), []);
  assert.equal(setFlagsFor([], '--max-old-space-size=512 --heap-growing-percent=50'), []);
});

test.run();
