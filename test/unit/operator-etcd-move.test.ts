// May a change of spec.etcd.endpoints be rolled out (src/operator/etcd-move.ts)? New addresses of the same cluster
// yes; another cluster only when nothing runs and the framework id is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeEtcdMove, sameEndpoints, type EtcdMoveInput } from '../../src/operator/etcd-move.js';

const A = ['http://etcd-a-0:2379', 'http://etcd-a-1:2379'];
const B = ['http://etcd-b-0:2379'];
const input = (o: Partial<EtcdMoveInput> = {}): EtcdMoveInput => ({
  deployed: { endpoints: A, clusterId: '111', frameworkId: 'fw-1' },
  desired: { endpoints: B, clusterId: '222' },
  podsRunning: 2,
  root: '/k8sm/Kubernetes',
  ...o,
});

test('endpoints compare as sets (order, whitespace and a trailing slash aside)', () => {
  assert.ok(sameEndpoints(A, [...A].reverse()));
  assert.ok(sameEndpoints(['http://e:2379/'], [' http://e:2379']));
  assert.ok(!sameEndpoints(A, [A[0]!]));
  assert.ok(!sameEndpoints(A, B));
});

test('the same endpoints, or the same cluster id behind new ones, roll out', () => {
  assert.deepEqual(judgeEtcdMove(input({ desired: { endpoints: [...A].reverse() } })), { action: 'proceed' }, 'nothing to read when only the order changed');
  assert.deepEqual(judgeEtcdMove(input({ desired: { endpoints: [A[0]!, 'http://etcd-a-2:2379'], clusterId: '111' } })), { action: 'proceed' });
});

test('another cluster while pods run is held: the message names both clusters and the way to move', () => {
  const j = judgeEtcdMove(input());
  assert.equal(j.action, 'hold');
  const m = (j as { message: string }).message;
  assert.match(m, /another etcd cluster \(cluster id 222\) than the replicas run with \(http:\/\/etcd-a-0:2379,http:\/\/etcd-a-1:2379, cluster id 111\)/);
  assert.match(m, /two leaders at once while its 2 pods run/);
  assert.match(m, /spec\.replicas: 0 with the old endpoints .*copy \/k8sm\/Kubernetes\/frameworkid, executor-hash and tasks\//);
  // Held even when the framework id was copied: the two elections would still each have a leader.
  assert.equal(judgeEtcdMove(input({ desired: { endpoints: B, clusterId: '222', frameworkId: 'fw-1' }, podsRunning: 1 })).action, 'hold');
});

test('stopped, the move waits for the framework id in the new cluster, then goes ahead', () => {
  const missing = judgeEtcdMove(input({ podsRunning: 0 }));
  assert.equal(missing.action, 'hold');
  assert.match((missing as { message: string }).message, /holds no framework id at \/k8sm\/Kubernetes\/frameworkid while the old one holds fw-1/);
  const other = judgeEtcdMove(input({ podsRunning: 0, desired: { endpoints: B, clusterId: '222', frameworkId: 'fw-9' } }));
  assert.match((other as { message: string }).message, /holds another framework id \(fw-9\)/);
  assert.deepEqual(judgeEtcdMove(input({ podsRunning: 0, desired: { endpoints: B, clusterId: '222', frameworkId: 'fw-1' } })), { action: 'proceed' });
  assert.deepEqual(judgeEtcdMove(input({ podsRunning: 0, deployed: { endpoints: A, clusterId: '111' } })), { action: 'proceed' }, 'never registered: nothing to lose');
});

test('a side that cannot be read: unverified (replicas that cannot reach a cluster cannot lead on it)', () => {
  const j = judgeEtcdMove(input({ deployed: { endpoints: A, error: 'deadline exceeded' } }));
  assert.equal(j.action, 'unverified');
  assert.match((j as { why: string }).why, /cannot tell whether spec\.etcd\.endpoints \(http:\/\/etcd-b-0:2379\) name the etcd cluster .*the deployed .*: deadline exceeded/);
  assert.equal(judgeEtcdMove(input({ desired: { endpoints: B, error: 'UNAVAILABLE' } })).action, 'unverified');
});
