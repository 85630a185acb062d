// The pure rules for what the API server's answers mean to the pod scheduler (src/scheduler/pods/pod-decision.ts):
// a pod missing from the cache is acted on only once confirmed gone; a Binding's 409 read back; failed
// PodScheduled=False writes kept with a back-off that honours Retry-After.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ABSENCE_RETRY,
  ABSENCE_WARN_EVERY_MS,
  absenceGate,
  afterLiveRead,
  afterUnschedulableWrite,
  judgeBindConflict,
  liveVerdict,
  retryDelayMs,
  saysAlreadyAssigned,
  UNSCHEDULABLE_RETRY,
  unschedulableWriteDue,
  type AbsenceCheck,
} from '../../src/scheduler/pods/pod-decision.js';
import type { PodLike } from '../../src/scheduler/pods/pod-model.js';

const T0 = 1_000_000;
const pod = (uid: string, nodeName?: string): PodLike => ({ metadata: { name: 'p', namespace: 'ns', uid }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c' }] } });
const err = (code: number, retryAfterSeconds?: number) => ({ error: { code, reason: code ? 'TooManyRequests' : 'Timeout', message: 'no', ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) } });

test('retryDelayMs doubles to the cap and never goes below Retry-After', () => {
  const p = { initialMs: 1000, maxMs: 8000 };
  assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, p)), [1000, 2000, 4000, 8000, 8000, 8000]);
  assert.equal(retryDelayMs(1, p, 30), 30_000);
  assert.equal(retryDelayMs(3, p, 2), 4000);
  assert.equal(retryDelayMs(1, p, Number.NaN), 1000);
});

test('only no pod of that name, or one with another uid, confirms a pod gone', () => {
  assert.equal(liveVerdict('u1', { pod: undefined }).verdict, 'gone');
  assert.equal(liveVerdict('u1', { pod: pod('u2') }).verdict, 'gone');
  assert.equal(liveVerdict('u1', { pod: pod('u1') }).verdict, 'exists');
  for (const code of [0, 404, 429, 500, 503]) assert.equal(liveVerdict('u1', err(code)).verdict, 'unknown', `error ${code}`);
});

test('absence: nothing destructive until confirmed; failed reads back off (Retry-After included) and warn once per while', () => {
  assert.equal(absenceGate(undefined, T0), 'read');
  assert.equal(absenceGate({ failures: 0, nextAt: 0, reading: true }, T0), 'wait');
  let c: AbsenceCheck | undefined;
  const warned: boolean[] = [];
  let now = T0;
  for (let i = 0; i < 4; i++) {
    const r = afterLiveRead(c, 'u1', err(503), now);
    c = r.check;
    warned.push(r.warn);
    assert.equal(r.verdict, 'unknown');
    assert.equal(c.gone, undefined);
    assert.equal(c.nextAt - now, retryDelayMs(i + 1, ABSENCE_RETRY));
    assert.equal(absenceGate(c, now), 'wait');
    assert.equal(absenceGate(c, c.nextAt), 'read');
    now = c.nextAt;
  }
  assert.deepEqual(warned, [true, false, false, false]);
  assert.equal(afterLiveRead(c, 'u1', err(503), T0 + ABSENCE_WARN_EVERY_MS).warn, true, 'warned again after a while');
  const throttled = afterLiveRead(undefined, 'u1', err(429, 20), T0).check;
  assert.equal(throttled.nextAt, T0 + 20_000);
  const lagging = afterLiveRead(undefined, 'u1', { pod: pod('u1') }, T0);
  assert.equal(lagging.verdict, 'exists');
  assert.equal(absenceGate(lagging.check, T0), 'wait');
  const gone = afterLiveRead(c, 'u1', { pod: undefined }, now).check;
  assert.equal(absenceGate(gone, now), 'act');
  assert.equal(absenceGate(afterLiveRead(undefined, 'u1', { pod: pod('u9') }, T0).check, T0), 'act');
});

test('a Binding 409: bound to our node is done, bound elsewhere a conflict, anything else a failure', () => {
  assert.equal(judgeBindConflict('u1', 'n1', pod('u1', 'n1')), 'bound-here');
  assert.equal(judgeBindConflict('u1', 'n1', pod('u1', 'n2')), 'bound-elsewhere');
  assert.equal(judgeBindConflict('u1', 'n1', pod('u1')), 'other');
  assert.equal(judgeBindConflict('u1', 'n1', pod('u2', 'n1')), 'other');
  assert.equal(judgeBindConflict('u1', 'n1', undefined), 'other');
  assert.equal(saysAlreadyAssigned('pod p is already assigned to node "n1"'), true);
  assert.equal(saysAlreadyAssigned('Precondition failed: UID in precondition'), false);
});

test('a failed unschedulable write is kept with a doubling back-off, at least Retry-After, not re-sent every round', () => {
  const rewrite = 30_000;
  assert.equal(unschedulableWriteDue(undefined, 'm', T0, rewrite), true);
  const inflight = { message: 'm', at: T0, inflight: true };
  assert.equal(unschedulableWriteDue(inflight, 'other', T0 + 60_000, rewrite), false, 'not while a write is in flight');
  const f1 = afterUnschedulableWrite(inflight, { ok: false }, T0);
  assert.equal(f1.failures, 1);
  assert.equal(f1.retryAt, T0 + UNSCHEDULABLE_RETRY.initialMs);
  assert.equal(unschedulableWriteDue(f1, 'm', T0 + 1, rewrite), false, 'the next offer round does not re-send it');
  assert.equal(unschedulableWriteDue(f1, 'm', f1.retryAt!, rewrite), true, 'after the back-off, even with the same message');
  const f2 = afterUnschedulableWrite({ ...f1, inflight: true }, { ok: false, retryAfterSeconds: 60 }, T0);
  assert.equal(f2.failures, 2);
  assert.equal(f2.retryAt, T0 + 60_000, 'Retry-After wins over a shorter back-off');
  const f3 = afterUnschedulableWrite({ ...f2, inflight: true }, { ok: false }, T0);
  assert.equal(f3.retryAt, T0 + 4 * UNSCHEDULABLE_RETRY.initialMs);
  const ok = afterUnschedulableWrite({ ...f3, inflight: true }, { ok: true }, T0 + 5);
  assert.deepEqual(ok, { message: 'm', at: T0 + 5 });
  assert.equal(unschedulableWriteDue(ok, 'm', T0 + 10 * rewrite, rewrite), false, 'the same message is not rewritten');
  assert.equal(unschedulableWriteDue(ok, 'new', T0 + 10, rewrite), false, 'a new message waits for the rewrite interval');
  assert.equal(unschedulableWriteDue(ok, 'new', T0 + 5 + rewrite, rewrite), true);
});
