import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LOGIN_READ_BUDGET_MS, LoginPacing } from '../../src/server/login-pacing.js';

/** A connection that records when it was read again, and may use time while read. */
const reader = (name: string, log: string[], work?: () => void) => ({
  readMore: () => {
    log.push(name);
    work?.();
  },
});

/** The end of this event-loop turn (after the pacing's own end-of-turn callback). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const paced = () => {
  const clock = { now: 0 };
  return { clock, pacing: new LoginPacing(() => clock.now) };
};

test('within the budget every login is read at once', () => {
  const { clock, pacing } = paced();
  const log: string[] = [];
  for (let i = 0; i < 10; i++) {
    assert.is(pacing.holdsBack(reader(`r${i}`, log)), false);
    clock.now += (LOGIN_READ_BUDGET_MS - 0.5) / 10;
  }
  assert.equal(log, [], 'nothing deferred, nothing called back');
});

test('past the budget logins wait for later turns, then are read in arrival order', async () => {
  const { clock, pacing } = paced();
  const log: string[] = [];
  assert.is(pacing.holdsBack(reader('first', log)), false);
  clock.now += LOGIN_READ_BUDGET_MS;
  const late = ['a', 'b', 'c'].map((name) => reader(name, log));
  for (const r of late) assert.is(pacing.holdsBack(r), true);
  assert.is(pacing.holdsBack(late[0]!), true, 'asked again while waiting: still waiting');
  await nextTurn();
  assert.equal(log, ['a', 'b', 'c']);
});

test('a login that arrives while others wait goes behind them, budget or not', async () => {
  const { clock, pacing } = paced();
  const log: string[] = [];
  pacing.holdsBack(reader('first', log));
  clock.now += LOGIN_READ_BUDGET_MS;
  assert.is(pacing.holdsBack(reader('waiting', log)), true);
  clock.now += 100; // a new turn would have a fresh budget, but someone is already waiting
  await nextTurn();
  assert.equal(log, ['waiting']);
  const newcomer = reader('newcomer', log);
  assert.is(pacing.holdsBack(newcomer), false, 'nobody waits any more');
});

test('each turn reads deferred logins only for its budget, counting their continuations', async () => {
  const { clock, pacing } = paced();
  const log: string[] = [];
  pacing.holdsBack(reader('first', log));
  clock.now += LOGIN_READ_BUDGET_MS;
  // Each login's read starts promises whose continuations take half the budget.
  const costly = (name: string) =>
    reader(name, log, () => {
      void Promise.resolve().then(() => (clock.now += LOGIN_READ_BUDGET_MS / 2));
    });
  for (const name of ['a', 'b', 'c', 'd', 'e']) pacing.holdsBack(costly(name));
  await nextTurn();
  assert.equal(log, ['a', 'b'], "the second login's continuation used up the budget");
  await nextTurn();
  assert.equal(log, ['a', 'b', 'c', 'd']);
  await nextTurn();
  assert.equal(log, ['a', 'b', 'c', 'd', 'e']);
});

test('a resumed login is not held back by the ones still waiting behind it', async () => {
  const { clock, pacing } = paced();
  const log: string[] = [];
  pacing.holdsBack(reader('first', log));
  clock.now += LOGIN_READ_BUDGET_MS;
  const answers: boolean[] = [];
  const asking = {
    readMore: () => {
      log.push('asking');
      answers.push(pacing.holdsBack(asking)); // its reading loop asks again
    },
  };
  pacing.holdsBack(asking);
  pacing.holdsBack(reader('behind', log));
  await nextTurn();
  assert.equal(answers, [false]);
  assert.equal(log, ['asking', 'behind']);
});

test('a connection that closes while waiting is not read again', async () => {
  const { clock, pacing } = paced();
  const log: string[] = [];
  pacing.holdsBack(reader('first', log));
  clock.now += LOGIN_READ_BUDGET_MS;
  const gone = reader('gone', log);
  pacing.holdsBack(gone);
  pacing.holdsBack(reader('kept', log));
  pacing.forget(gone);
  await nextTurn();
  assert.equal(log, ['kept']);
});

test.run();
