// The work queue honours the API server's Retry-After: a reconcile that fails with an error carrying
// retryAfterSeconds (on the error itself, or on one it wraps) is retried no sooner, adds meanwhile (informer events)
// are deferred to the end of the hold, and a key still never runs twice at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { WorkQueue } from '../../src/operator/queue.js';
import { ApiError, retryAfterSecondsOf } from '../../src/kube/errors.js';
import { SchedulerHAError } from '../../src/util/errors.js';
import { waitFor } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const throttled = (s: number) => new ApiError(429, 'TooManyRequests', 'PATCH status: 429 TooManyRequests: Too many requests', { retryAfterSeconds: s }, s);

test('retryAfterSecondsOf finds the hint on the error, on its cause, or in an AggregateError; the longest wins', () => {
  assert.equal(retryAfterSecondsOf(throttled(3)), 3);
  assert.equal(retryAfterSecondsOf(new SchedulerHAError('ReconcileIncomplete', 'apply failed', { cause: throttled(2) })), 2);
  assert.equal(retryAfterSecondsOf(new AggregateError([new Error('x'), throttled(1), throttled(4)])), 4);
  // client-node's ApiException: code, raw body, headers.
  assert.equal(retryAfterSecondsOf({ code: 429, body: '{"kind":"Status","code":429}', headers: { 'retry-after': '7' } }), 7);
  assert.equal(retryAfterSecondsOf(new Error('plain')), undefined);
  assert.equal(retryAfterSecondsOf(undefined), undefined);
});

test('a reconcile failing with Retry-After is retried no sooner than that, not after the per-key back-off', { timeout: 20_000 }, async () => {
  const runs: number[] = [];
  const q = new WorkQueue({
    backoffBaseMs: 10,
    handler: async () => {
      runs.push(performance.now());
      if (runs.length === 1) throw throttled(1);
    },
  });
  q.add('k');
  await waitFor('retried', () => runs.length >= 2, { timeoutMs: 10_000 });
  const gap = runs[1]! - runs[0]!;
  assert.ok(gap >= 950, `retried after ${Math.round(gap)} ms; the server asked for 1 s`);
  assert.equal(q.failures('k'), 0, 'forgotten after the success');
});

test('a Retry-After wrapped as the cause of the reconcile error is honoured too', { timeout: 20_000 }, async () => {
  const runs: number[] = [];
  const q = new WorkQueue({
    backoffBaseMs: 10,
    handler: async () => {
      runs.push(performance.now());
      if (runs.length === 1) throw new SchedulerHAError('ReconcileIncomplete', 'status: 429', { cause: throttled(1) });
    },
  });
  q.add('k');
  await waitFor('retried', () => runs.length >= 2, { timeoutMs: 10_000 });
  assert.ok(runs[1]! - runs[0]! >= 950, `retried after ${Math.round(runs[1]! - runs[0]!)} ms`);
});

test('adds during the Retry-After hold (informer events) are deferred to its end; never two runs at once', { timeout: 40_000 }, async () => {
  const runs: number[] = [];
  let active = 0;
  let maxActive = 0;
  let releaseFirst!: () => void;
  const first = new Promise<void>((r) => (releaseFirst = r));
  const q = new WorkQueue({
    concurrency: 4,
    backoffBaseMs: 10,
    handler: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(performance.now());
      try {
        if (runs.length === 1) {
          await first;
          throw throttled(5); // long enough that a stalled test process still adds within it
        }
      } finally {
        active--;
      }
    },
  });
  q.add('k');
  await waitFor('first run in flight', () => q.isProcessing('k'));
  q.add('k'); // an event during the failing run
  releaseFirst();
  await waitFor('first run over', () => !q.isProcessing('k'));
  const failedAt = performance.now();
  q.add('k'); // events during the hold
  await sleep(100);
  q.add('k');
  await sleep(200);
  assert.equal(runs.length, 1, 'nothing ran during the hold');
  await waitFor('run after the hold', () => runs.length >= 2, { timeoutMs: 20_000 });
  assert.ok(runs[1]! - failedAt >= 4500, `ran ${Math.round(runs[1]! - failedAt)} ms after the failure`);
  await sleep(150);
  assert.equal(runs.length, 2, 'the deferred adds coalesced into one run');
  assert.equal(maxActive, 1);
  // The hold ended with the success: a new add runs at once.
  q.add('k');
  await waitFor('third run', () => runs.length >= 3, { timeoutMs: 2_000 });
});

test('an ordinary failure (no Retry-After) keeps the old behaviour: back-off retry, and an add re-runs at once', { timeout: 20_000 }, async () => {
  const runs: number[] = [];
  const q = new WorkQueue({
    backoffBaseMs: 5_000,
    handler: async () => {
      runs.push(performance.now());
      if (runs.length === 1) throw new Error('transient');
    },
  });
  q.add('k');
  await waitFor('failed once', () => runs.length === 1 && !q.isProcessing('k'));
  q.add('k');
  await waitFor('re-run by the add', () => runs.length >= 2, { timeoutMs: 2_000 });
  await q.shutdown(0);
});
