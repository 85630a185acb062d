// The leader-status record the leader writes and the operator reads, across versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLeaderStatus } from '../../src/api/leader-status.js';

test('a leader-status record of a later compatible version is read (a newer leader during a rolling update must not look silent)', () => {
  const rec = { version: 1, term: '42', identity: 'k8sm-0', leaseId: '1', incarnation: 'i', since: '', updatedAt: '', mesos: 'subscribed' };
  assert.equal(parseLeaderStatus(JSON.stringify(rec))?.term, '42');
  assert.equal(parseLeaderStatus(JSON.stringify({ ...rec, version: 2, somethingNew: true }))?.term, '42');
  assert.equal(parseLeaderStatus(JSON.stringify({ ...rec, version: 100 })), undefined, 'an incompatible version is not guessed at');
  assert.equal(parseLeaderStatus(JSON.stringify({ ...rec, version: '1' })), undefined);
});
