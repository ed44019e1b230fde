import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatBytes, formatDuration, formatProgressBar } from '../../src/client/progress-bar.js';

test('bytes and durations', () => {
  assert.is(formatBytes(0), '0 B');
  assert.is(formatBytes(1023), '1023 B');
  assert.is(formatBytes(1536), '1.5 KiB');
  assert.is(formatBytes(1024 ** 3), '1.0 GiB');
  assert.is(formatDuration(5), '0:05');
  assert.is(formatDuration(125), '2:05');
  assert.is(formatDuration(3725), '1:02:05');
  assert.is(formatDuration(Infinity), '--:--');
});

test('half-way bar with rate and ETA', () => {
  const line = formatProgressBar(
    { bytes: 512 * 1024 * 1024, total: 1024 * 1024 * 1024, bytesPerSecond: 256 * 1024 * 1024 },
    { width: 10 },
  );
  assert.is(line, '[#####-----]  50%  512.0 MiB / 1.0 GiB  256.0 MiB/s  ETA 0:02');
});

test('no rate yet, empty file, overshoot', () => {
  assert.ok(formatProgressBar({ bytes: 0, total: 100, bytesPerSecond: 0 }).includes('ETA --:--'));
  assert.ok(
    formatProgressBar({ bytes: 0, total: 0, bytesPerSecond: 0 }, { width: 4 }).startsWith(
      '[####] 100%',
    ),
  );
  assert.ok(
    formatProgressBar({ bytes: 200, total: 100, bytesPerSecond: 1 }, { width: 4 }).startsWith(
      '[####] 100%',
    ),
  );
});

test.run();
