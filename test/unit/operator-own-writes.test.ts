// Which copy of a SchedulerHA the operator reconciles from: the informer's, or the answer to its own last write while
// the cache has not caught up (operator reconciler.ts ownWriteIsNewer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownWriteIsNewer } from '../../src/operator/reconciler.js';

test('our write stays the base until the cache reaches its resourceVersion, for minutes if the watch is down that long (10 at most)', () => {
  assert.equal(ownWriteIsNewer('100', '105', 1_000), true);
  assert.equal(ownWriteIsNewer('100', '105', 5 * 60_000), true, 'a watch down for minutes: the cache is still older');
  assert.equal(ownWriteIsNewer('100', '105', 11 * 60_000), false, 'a cache that never reaches it (versions moved backwards by an etcd restore)');
  assert.equal(ownWriteIsNewer('105', '105', 0), false);
  assert.equal(ownWriteIsNewer('130', '105', 0), false);
  assert.equal(ownWriteIsNewer(undefined, '105', 60_000), true);
});

test('opaque resourceVersions cannot be ordered: equal means caught up, otherwise 30 s at most', () => {
  assert.equal(ownWriteIsNewer('abc', 'abc', 0), false);
  assert.equal(ownWriteIsNewer('abc', 'xyz', 10_000), true);
  assert.equal(ownWriteIsNewer('abc', 'xyz', 31_000), false);
});
