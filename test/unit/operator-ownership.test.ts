import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateOwner, judgeTeardown, otherCandidates } from '../../src/operator/ownership.js';
import type { CandidateInfo } from '../../src/operator/framework-watch.js';

const cand = (term: string, identity: Partial<NonNullable<CandidateInfo['identity']>> | undefined): CandidateInfo => ({
  key: `/k8sm/K/election/${term}`,
  createRevision: term,
  modRevision: term,
  leaseId: term,
  leaseIdHex: term,
  identity: identity ? { id: identity.pod ?? 'x', incarnation: 'i', host: 'h', executorHash: 'e', ...identity } : undefined,
  raw: '',
});

test('a candidate is ours only as a pod <name>-<ordinal> of this namespace (a replica naming no namespace: by pod name)', () => {
  assert.equal(candidateOwner(cand('1', { pod: 'k8sm-0', namespace: 'prod' }), 'prod', 'k8sm'), 'ours');
  assert.equal(candidateOwner(cand('1', { pod: 'k8sm-0' }), 'prod', 'k8sm'), 'ours', 'an older replica without namespace');
  assert.equal(candidateOwner(cand('1', { pod: 'k8sm-0', namespace: 'staging' }), 'prod', 'k8sm'), 'foreign', 'the same pod name in another namespace');
  assert.equal(candidateOwner(cand('1', { pod: 'other-0', namespace: 'prod' }), 'prod', 'k8sm'), 'foreign');
  assert.equal(candidateOwner(cand('1', { pod: 'k8sm-canary', namespace: 'prod' }), 'prod', 'k8sm'), 'foreign');
  assert.equal(candidateOwner(cand('1', {}), 'prod', 'k8sm'), 'external', 'run by hand: no pod');
  assert.equal(candidateOwner(cand('1', undefined), 'prod', 'k8sm'), 'external');
  assert.deepEqual(otherCandidates({ candidates: [cand('1', { pod: 'k8sm-0', namespace: 'prod' }), cand('2', { pod: 'k8sm-0', namespace: 'staging' })] }, 'prod', 'k8sm').map((c) => c.createRevision), ['2']);
});

test('Teardown proceeds only when nobody schedules for the framework', () => {
  const ctx = { namespace: 'prod', name: 'k8sm', root: '/k8sm/K', leaseTtlMs: 10_000 };
  const fw = (connected: boolean) => ({ id: 'F-1', connected });
  assert.deepEqual(judgeTeardown({ candidates: [] }, fw(false), ctx), { action: 'proceed' });
  assert.deepEqual(judgeTeardown({ candidates: [] }, undefined, ctx), { action: 'proceed' }, 'already gone from the master');
  // Our own pod's key, left by a pod that did not resign: it expires within the TTL.
  const lingering = { candidates: [cand('7', { pod: 'k8sm-1', namespace: 'prod' })] };
  assert.equal(judgeTeardown(lingering, fw(false), ctx).action, 'wait');
  assert.equal(judgeTeardown(lingering, fw(false), { ...ctx, waitedMs: 19_000 }).action, 'wait');
  // Renewed for more than two TTLs: that scheduler still runs without its pod.
  const renewed = judgeTeardown(lingering, fw(false), { ...ctx, waitedMs: 21_000 });
  assert.equal(renewed.action, 'blocked');
  if (renewed.action === 'blocked') assert.match(renewed.message, /prod\/k8sm-1 \(term 7, host h\) still campaigns at \/k8sm\/K\/election 21 s after the pods of this resource were gone/);
  const other = judgeTeardown({ candidates: [cand('7', { pod: 'k8sm-0', namespace: 'staging' })] }, fw(true), ctx);
  assert.equal(other.action, 'blocked');
  if (other.action === 'blocked') {
    assert.match(other.message, /framework F-1 is still in use: staging\/k8sm-0 \(term 7, host h\) campaigns in its election at \/k8sm\/K\/election/);
    assert.match(other.message, /set spec\.deletionPolicy: Orphan/);
  }
  assert.equal(judgeTeardown({ candidates: [cand('8', {})] }, fw(true), ctx).action, 'blocked', 'a scheduler run by hand');
  assert.equal(judgeTeardown({ candidates: [] }, fw(true), ctx).action, 'wait', 'connected just after the last leader left: its connection may still be closing');
  const connected = judgeTeardown({ candidates: [] }, fw(true), { ...ctx, waitedMs: 21_000 });
  assert.equal(connected.action, 'blocked', 'still connected after two TTLs with nobody in this election: led from elsewhere');
  if (connected.action === 'blocked') assert.match(connected.message, /connected to the master, but no scheduler of this resource runs/);
});
