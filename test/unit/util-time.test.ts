// Timer delays from flags (src/util/time.ts timerMs): Node fires a delay above 2^31 − 1 ms after 1 ms, so a
// 30-day --reconcile-interval would send an implicit RECONCILE every millisecond.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMER_MS, timerMs } from '../../src/util/time.js';

test('flag durations longer than a Node timer can hold are capped, not wrapped to 1 ms', async () => {
  assert.equal(timerMs(720 * 3600 * 1000), MAX_TIMER_MS);
  assert.equal(timerMs(5 * 60 * 1000), 300_000);
  assert.equal(timerMs(-5), 0);
  // What the cap prevents: an uncapped delay fires at once.
  let fired = false;
  process.once('warning', () => undefined);
  const t = setTimeout(() => (fired = true), 720 * 3600 * 1000);
  const capped = setTimeout(() => assert.fail('the capped timer fired'), timerMs(720 * 3600 * 1000));
  await new Promise((r) => setTimeout(r, 50));
  clearTimeout(t);
  clearTimeout(capped);
  assert.equal(fired, true, 'Node fires an overflowing delay after 1 ms');
});
