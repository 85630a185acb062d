// Before revoking a leader's lease on a cached verdict, the operator reads the pod live: does it still run the
// leader's process (reconciler.ts leaderStillInPod)?
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaderStillInPod } from '../../src/operator/reconciler.js';
import type { PodView } from '../../src/operator/conditions.js';

const since = Date.parse('2026-12-04T10:00:05Z'); // the leader was elected
const pod = (o: Partial<PodView> = {}): PodView => ({ name: 'k8sm-0', uid: 'new', ready: true, deleting: false, container: 'running', restartCount: 0, startedAtMs: Date.parse('2026-12-04T10:00:01Z'), ...o });

test('the cache showed an older incarnation: the live pod started before the election runs the leader — no revocation', () => {
  assert.equal(leaderStillInPod(pod(), { uid: 'old', restartCount: 0 }, since), true);
  assert.equal(leaderStillInPod(pod(), undefined, since), true);
});

test('the same container as first seen still runs the leader', () => {
  assert.equal(leaderStillInPod(pod({ uid: 'a', startedAtMs: since + 10_000 }), { uid: 'a', restartCount: 0 }, NaN), true);
});

test('replaced, restarted, terminated or deleting: the leader is gone from it', () => {
  assert.equal(leaderStillInPod(pod({ startedAtMs: since + 2_000 }), { uid: 'old', restartCount: 0 }, since), false, 're-created after the election');
  assert.equal(leaderStillInPod(pod({ uid: 'a', restartCount: 1, startedAtMs: since + 2_000 }), { uid: 'a', restartCount: 0 }, since), false, 'container restarted');
  assert.equal(leaderStillInPod(pod({ container: 'terminated' }), { uid: 'new', restartCount: 0 }, since), false);
  assert.equal(leaderStillInPod(pod({ deleting: true }), { uid: 'new', restartCount: 0 }, since), false);
  assert.equal(leaderStillInPod(pod({ uid: 'x' }), { uid: 'old', restartCount: 0 }, NaN), false, 'no election time to compare with: the cached verdict stands');
});
