import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyedSerializer } from '../../src/server/limits/keyed-serializer.js';

test('tasks with the same key run one at a time, in order; other keys are not held up; nothing is kept after', async () => {
  const serializer = new KeyedSerializer();
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const first = serializer.run('Luke', async () => {
    log.push('Luke 1 start');
    await gate;
    log.push('Luke 1 end');
    return 1;
  });
  const second = serializer.run('Luke', async () => {
    log.push('Luke 2');
    return 2;
  });
  const other = await serializer.run('Leia', async () => {
    log.push('Leia');
    return 3;
  });
  assert.is(other, 3);
  assert.equal(log, ['Luke 1 start', 'Leia'], 'Luke 2 waits for Luke 1; Leia does not');
  release();
  assert.equal(await Promise.all([first, second]), [1, 2]);
  assert.equal(log, ['Luke 1 start', 'Leia', 'Luke 1 end', 'Luke 2']);
  await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(serializer.size, 0);
});

test('a failing task does not block the next one with the same key', async () => {
  const serializer = new KeyedSerializer();
  const failed = serializer.run('Luke', async () => Promise.reject(new Error('backend down')));
  const next = serializer.run('Luke', async () => 'ran');
  await failed.then(
    () => assert.unreachable(),
    (e: Error) => assert.is(e.message, 'backend down'),
  );
  assert.is(await next, 'ran');
});

test.run();
