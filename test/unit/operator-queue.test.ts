// The keyed work queue: coalescing, never the same key twice at once, re-run after an in-flight add, per-key
// exponential back-off with a cap, spurious triggers do not inflate the back-off, terminal errors are not
// retried, requeueAfter, global concurrency, pause/start, shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProgrammingError, WorkQueue, type ReconcileHandler } from '../../src/operator/queue.js';
import { TerminalError } from '../../src/util/errors.js';
import { waitFor } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('adds of a queued key coalesce into one run', async () => {
  const runs: string[] = [];
  const q = new WorkQueue({ handler: async (k) => void runs.push(k), paused: true });
  q.add('a');
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.depth, 2);
  q.start();
  await q.idle();
  assert.deepEqual(runs, ['a', 'b']);
});

test('a key is never reconciled twice at once; an add during a run re-runs it once afterwards', async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const gate = deferred();
  const q = new WorkQueue({
    concurrency: 4,
    handler: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      if (runs === 1) await gate.promise;
      active--;
    },
  });
  q.add('k');
  await waitFor('k in flight', () => q.isProcessing('k'));
  q.add('k');
  q.add('k');
  q.add('k');
  await sleep(10);
  assert.equal(runs, 1, 'not started again while in flight');
  gate.resolve();
  await q.idle();
  assert.equal(runs, 2, 'exactly one re-run for the adds made during the run');
  assert.equal(maxActive, 1);
});

test('global concurrency limit', async () => {
  let active = 0;
  let maxActive = 0;
  const q = new WorkQueue({
    concurrency: 3,
    handler: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(20);
      active--;
    },
  });
  for (let i = 0; i < 12; i++) q.add(`k${i}`);
  await q.idle();
  assert.equal(maxActive, 3);
});

test('per-key exponential back-off with a cap; success forgets', () => {
  const q = new WorkQueue({ handler: async () => undefined, backoffBaseMs: 10, backoffMaxMs: 50, paused: true });
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    delays.push(Math.round(q.when('k')));
    // pretend the back-off expired
    (q as unknown as { keys: Map<string, { backoffUntil: number }> }).keys.get('k')!.backoffUntil = 0;
  }
  assert.deepEqual(delays, [10, 20, 40, 50, 50]);
  assert.equal(q.failures('k'), 5);
  assert.equal(Math.round(q.when('other')), 10, 'per key');
  q.forget('k');
  assert.equal(q.failures('k'), 0);
  assert.equal(Math.round(q.when('k')), 10);
});

test('a retry that runs before its back-off expired does not count as another failure', () => {
  const q = new WorkQueue({ handler: async () => undefined, backoffBaseMs: 1000, backoffMaxMs: 60_000, paused: true });
  assert.equal(Math.round(q.when('k')), 1000);
  // Spurious triggers (informer events) make the key fail again and again inside the first back-off window.
  for (let i = 0; i < 10; i++) assert.ok(q.when('k') <= 1000);
  assert.equal(q.failures('k'), 1);
});

test('failures are retried with back-off until success; terminal errors are not retried', async () => {
  let n = 0;
  const handler: ReconcileHandler = async (k) => {
    if (k === 'flaky' && ++n < 4) throw new Error('transient');
    if (k === 'bad') throw new TerminalError('InvalidThing', 'never works');
  };
  const outcomes: string[] = [];
  let retries = 0;
  const q = new WorkQueue({ handler, backoffBaseMs: 5, backoffMaxMs: 20, metrics: { reconciled: (o, _s, i) => outcomes.push(`${o}${i.terminal ? ':terminal' : ''}`), retry: () => retries++ } });
  q.add('flaky');
  q.add('bad');
  // Three failures and a success of 'flaky', one terminal failure of 'bad', and no retry left pending.
  await waitFor('every outcome', () => outcomes.length === 5 && q.pendingTimers === 0);
  assert.equal(n, 4, 'flaky ran until it succeeded');
  assert.equal(q.failures('flaky'), 0, 'success forgot the failures');
  assert.equal(outcomes.filter((o) => o === 'error:terminal').length, 1, 'the terminal error ran once');
  assert.equal(retries, 3);
  assert.equal(q.pendingTimers, 0);
});

test('requeueAfter re-adds the key after the delay; addAfter keeps the earliest timer', async () => {
  const runs: number[] = [];
  const t0 = Date.now();
  let first = true;
  const q = new WorkQueue({
    handler: async () => {
      runs.push(Date.now() - t0);
      if (first) {
        first = false;
        return { requeueAfterMs: 60 };
      }
      return {};
    },
  });
  q.add('k');
  await waitFor('the first run', () => runs.length === 1);
  await waitFor('the re-run', () => runs.length === 2);
  assert.ok(runs[1]! >= 55, `re-run after ${runs[1]} ms`);
  // earliest timer wins
  q.addAfter('x', 5000);
  q.addAfter('x', 10);
  q.addAfter('x', 3000);
  await waitFor('x run once, no timer left', () => runs.length === 3 && q.pendingTimers === 0);
});

test('starts paused: keys wait until start()', async () => {
  const runs: string[] = [];
  const q = new WorkQueue({ handler: async (k) => void runs.push(k), paused: true });
  q.add('a');
  await sleep(20);
  assert.deepEqual(runs, []);
  assert.equal(q.paused, true);
  q.start();
  await q.idle();
  assert.deepEqual(runs, ['a']);
});

test('a reconcile timeout aborts the handler signal and counts as an error', async () => {
  const outcomes: Array<{ o: string; timeout: boolean }> = [];
  let aborted = false;
  const q = new WorkQueue({
    timeoutMs: 30,
    backoffBaseMs: 10_000,
    handler: async (_k, ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = true;
    },
    metrics: { reconciled: (o, _s, i) => outcomes.push({ o, timeout: i.timeout }) },
  });
  q.add('slow');
  await waitFor('the timed-out handler aborted', () => aborted && outcomes.length === 1);
  assert.deepEqual(outcomes, [{ o: 'error', timeout: true }]);
  await q.shutdown(0);
});

test('shutdown drops queued keys, waits for running ones, then refuses adds', async () => {
  const runs: string[] = [];
  const gate = deferred();
  const q = new WorkQueue({
    concurrency: 1,
    handler: async (k) => {
      runs.push(k);
      if (k === 'a') await gate.promise;
    },
  });
  q.add('a');
  q.add('b');
  await waitFor('a in flight', () => runs.length === 1);
  const done = q.shutdown(5000);
  gate.resolve();
  await done;
  q.add('c');
  await sleep(10);
  assert.deepEqual(runs, ['a']);
});

test('metrics sink: adds counted once per real add, depth tracks waiting keys', async () => {
  let adds = 0;
  const depths: number[] = [];
  const q = new WorkQueue({ handler: async () => undefined, paused: true, metrics: { add: () => adds++, depth: (n) => depths.push(n) } });
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(adds, 2);
  assert.equal(depths.at(-1), 2);
  q.start();
  await q.idle();
  assert.equal(depths.at(-1), 0);
});

test('a key that succeeds leaves no state behind (a deleted resource\'s key must not stay in the queue for good)', async (t) => {
  let fail = true;
  const q = new WorkQueue({ handler: async () => {
    if (fail) {
      fail = false;
      throw new Error('once');
    }
  }, backoffBaseMs: 5, backoffMaxMs: 10 });
  t.after(() => q.shutdown());
  // Private on purpose: the per-key state map is what would grow.
  const tracked = () => (q as unknown as { keys: Map<string, unknown> }).keys.size;
  for (let i = 0; i < 50; i++) q.add(`ns/r${i}`);
  await waitFor('the failed key retried and every key done', async () => (!fail && q.depth === 0 && q.active === 0 && q.pendingTimers === 0) || undefined, { timeoutMs: 5000 });
  await q.idle();
  assert.equal(tracked(), 0);
});

test('a dropped connection (fetch failed) is an outage, not a panic; a TypeError of our own is', () => {
  const dropped = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }) });
  assert.equal(isProgrammingError(dropped), false);
  assert.equal(isProgrammingError(new TypeError("Cannot read properties of undefined (reading 'spec')")), true);
  assert.equal(isProgrammingError(new RangeError('Invalid array length')), true);
  assert.equal(isProgrammingError(new Error('409 Conflict')), false);
});
