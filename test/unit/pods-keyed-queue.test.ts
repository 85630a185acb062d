import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue } from '../../src/scheduler/pods/keyed-queue.js';
import { ApiError } from '../../src/kube/errors.js';
import { waitFor } from '../helpers/wait.js';

test('keyed queue: a delayed add runs at the earliest time asked for the key — a later one never holds back an earlier one', async (t) => {
  const runs: Array<{ key: string; at: number }> = [];
  const q = new KeyedQueue<string>(async (key) => void runs.push({ key, at: Date.now() }), { concurrency: 4 });
  t.after(() => q.stop());
  const t0 = Date.now();
  q.add('a', 5000); // a recheck due in 5 s
  q.add('a', 100); // then a retry due sooner
  q.add('a', 3000); // a later one again changes nothing
  await waitFor('a ran', () => runs.length > 0 || undefined, { timeoutMs: 4000, intervalMs: 10 });
  assert.ok(runs[0]!.at - t0 < 2500, `ran after ${runs[0]!.at - t0} ms, not after the 5 s recheck`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(runs.length, 1, 'one run: the timers of one key are one');
});

test('keyed queue: a key is never run twice at once; an add while it runs runs it once more', async (t) => {
  let active = 0;
  let maxActive = 0;
  let count = 0;
  let release: () => void = () => {};
  const q = new KeyedQueue<string>(
    async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      count++;
      if (count === 1) await new Promise<void>((r) => (release = r));
      active--;
    },
    { concurrency: 4 },
  );
  t.after(() => q.stop());
  q.add('k');
  await waitFor('running', () => count === 1 || undefined, { timeoutMs: 2000, intervalMs: 5 });
  q.add('k');
  q.add('k');
  release();
  await waitFor('ran again', () => count === 2 || undefined, { timeoutMs: 2000, intervalMs: 5 });
  await q.idle();
  assert.equal(count, 2);
  assert.equal(maxActive, 1);
});

test("keyed queue: a failure with the server's Retry-After holds the key — adds before then wait for it; a success ends the hold", async (t) => {
  const runs: number[] = [];
  let fail = true;
  const q = new KeyedQueue<string>(
    async () => {
      runs.push(Date.now());
      if (fail) throw new ApiError(429, 'TooManyRequests', 'throttled', undefined, 1);
    },
    { concurrency: 4, retry: { initialMs: 10, maxMs: 30_000 } },
  );
  t.after(() => q.stop());
  q.add('k');
  await waitFor('the first run', () => runs.length === 1 || undefined, { timeoutMs: 5000, intervalMs: 5 });
  fail = false;
  // Informer events while held: no run before the server's second is up (the plain back-off would be 10 ms).
  for (let i = 0; i < 5; i++) q.add('k');
  await waitFor('the held run', () => runs.length === 2 || undefined, { timeoutMs: 10_000, intervalMs: 20 });
  assert.ok(runs[1]! - runs[0]! >= 990, `held ${runs[1]! - runs[0]!} ms`);
  q.add('k');
  await waitFor('a run at once after the success', () => runs.length === 3 || undefined, { timeoutMs: 5000, intervalMs: 5 });
  assert.ok(runs[2]! - runs[1]! < 900, 'no hold after a success');
});
