import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTimestamp } from '../../src/shared/timestamp.js';

test('formats as "01 Jun 2023 15:00:01" in local time', () => {
  assert.is(formatTimestamp(new Date(2023, 5, 1, 15, 0, 1)), '01 Jun 2023 15:00:01');
  assert.is(formatTimestamp(new Date(2024, 11, 31, 9, 5, 59)), '31 Dec 2024 09:05:59');
  assert.is(formatTimestamp(new Date(2026, 0, 9, 0, 0, 0)), '09 Jan 2026 00:00:00');
});

test.run();
