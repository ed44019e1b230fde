import { ok } from 'neverthrow';
import { test } from 'uvu';
import { SimulatedClock } from 'xstate';
import * as assert from 'uvu/assert';
import { CommandRate } from '../../src/server/limits/command-rate.js';
import { LoginFailuresByIp } from '../../src/server/limits/login-failures-by-ip.js';
import { TokenBucket } from '../../src/server/limits/token-bucket.js';
import { ActorLockouts } from '../../src/server/state/lockouts.js';
import { addressKey } from '../../src/server/limits/address-key.js';

const fakeClock = () => {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

test('token bucket: a burst, then one token per 1/rate seconds', () => {
  const clock = fakeClock();
  const bucket = new TokenBucket(3, 2, clock.now);
  assert.ok(bucket.take() && bucket.take() && bucket.take());
  assert.not.ok(bucket.take());
  assert.is(bucket.secondsUntilToken(), 1);
  clock.advance(499);
  assert.not.ok(bucket.take());
  clock.advance(1);
  assert.ok(bucket.take());
  clock.advance(10_000);
  assert.ok(bucket.isFull(), 'never more than the capacity');
});

test('command rate: honest burst passes, then throttled, then flooding', () => {
  const clock = fakeClock();
  const rate = new CommandRate({ burst: 5, perSecond: 1, maxThrottled: 3, now: clock.now });
  for (let i = 0; i < 5; i++) assert.equal(rate.check(), { type: 'allowed' });
  assert.equal(rate.check(), { type: 'throttled', retryAfterSeconds: 1 });
  assert.equal(rate.check().type, 'throttled');
  assert.equal(rate.check().type, 'throttled');
  assert.equal(rate.check(), { type: 'flooding' });
});

test('command rate: a client that slows down after being throttled recovers', () => {
  const clock = fakeClock();
  const rate = new CommandRate({ burst: 2, perSecond: 1, maxThrottled: 2, now: clock.now });
  rate.check();
  rate.check();
  assert.equal(rate.check().type, 'throttled');
  clock.advance(1000);
  assert.equal(rate.check().type, 'allowed');
  clock.advance(5000);
  for (let i = 0; i < 2; i++) assert.equal(rate.check().type, 'allowed');
});

test('command rate: admits a run of n commands only while n tokens are left', () => {
  const clock = fakeClock();
  const rate = new CommandRate({ burst: 3, perSecond: 1, maxThrottled: 2, now: clock.now });
  assert.ok(rate.admits(3));
  assert.not.ok(rate.admits(4), 'one more than the burst would be throttled');
  rate.chargeCommand();
  assert.not.ok(rate.admits(3));
  assert.ok(rate.admits(2));
  clock.advance(1000);
  assert.ok(rate.admits(3), 'refilled');
  for (let i = 0; i < 3; i++) rate.chargeCommand();
  assert.not.ok(rate.admits(1));
  assert.ok(rate.isThrottled(), 'what admits(1) refuses is the next refusal');
});

test('login failures by IP: N failures a minute, then throttled, then recovers', () => {
  const clock = fakeClock();
  const byIp = new LoginFailuresByIp(3, clock.now);
  for (let i = 0; i < 3; i++) {
    assert.not.ok(byIp.isThrottled('10.0.0.1'));
    byIp.recordFailure('10.0.0.1');
  }
  assert.ok(byIp.isThrottled('10.0.0.1'));
  assert.not.ok(byIp.isThrottled('10.0.0.2'), 'other addresses are unaffected');
  assert.is(byIp.retryAfterSeconds('10.0.0.1'), 20);
  clock.advance(20_000);
  assert.not.ok(byIp.isThrottled('10.0.0.1'));
});

test('login failures by IP: memory is bounded', () => {
  const clock = fakeClock();
  const byIp = new LoginFailuresByIp(3, clock.now, 100);
  for (let i = 0; i < 1000; i++) byIp.recordFailure(`10.0.${i >> 8}.${i & 255}`);
  assert.ok(byIp.tracked <= 100);
});

test('address keys: IPv4 as is, IPv6 by /64 prefix', () => {
  assert.is(addressKey('127.0.0.1'), '127.0.0.1');
  assert.is(addressKey('2001:db8:0:1::5'), '2001:db8:0:1::/64');
  assert.is(addressKey('2001:DB8:0:1:ffff:1:2:3'), '2001:db8:0:1::/64');
  assert.is(addressKey('::1'), '0:0:0:0::/64');
  assert.is(addressKey('fe80::1'), 'fe80:0:0:0::/64');
});

test('lockouts: guessing many usernames keeps memory bounded, locks are kept', async () => {
  const lockouts = new ActorLockouts({
    maxFailures: 2,
    blockMs: 60_000,
    maxTracked: 50,
    clock: new SimulatedClock(),
  });
  assert.equal(await lockouts.recordFailure('victim'), ok('stillOpen'));
  assert.equal(await lockouts.recordFailure('victim'), ok('lockedNow'));
  for (let i = 0; i < 500; i++) await lockouts.recordFailure(`guess${i}`);
  assert.ok(lockouts.tracked <= 50);
  assert.equal(await lockouts.isLocked('victim'), ok(true));
});

test.run();
